import { CopyButton } from './CopyButton';
import { mixSnippet, rebarSnippet } from '../lib/semver';

export function InstallSnippets({ name, version, organization }: { name: string; version: string; organization: string | null }) {
  const mix = mixSnippet(name, version, organization);
  const rebar = rebarSnippet(name, version);
  return (
    <section className="card" aria-labelledby="install-title">
      <h2 id="install-title">Install</h2>
      <div className="snippet">
        <div className="snippet-head">
          <span>
            <code>mix.exs</code>
          </span>
          <CopyButton text={mix} testId="copy-mix" />
        </div>
        <pre>
          <code data-testid="mix-snippet">{mix}</code>
        </pre>
      </div>
      <div className="snippet">
        <div className="snippet-head">
          <span>
            <code>rebar.config</code>
          </span>
          <CopyButton text={rebar} testId="copy-rebar" />
        </div>
        <pre>
          <code data-testid="rebar-snippet">{rebar}</code>
        </pre>
      </div>
      {organization ? (
        <p className="muted small">
          Private package of <strong>{organization}</strong>: configure the organization's repository in your build tool first.
        </p>
      ) : null}
    </section>
  );
}
