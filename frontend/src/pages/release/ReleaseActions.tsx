import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import type { RetirementReason } from '../../gql/graphql';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { windowOpen } from '../../components/RevertWindowNote';
import { errorText } from '../../lib/errors';
import { reasonLabel, retirementReasons, validateRetireMessage } from '../../lib/retirement';
import { useNow } from '../../lib/useNow';
import { navigate, paths } from '../../router';

const ReplaceReleaseDocument = graphql(`
  mutation ReplaceRelease($input: PublishReleaseInput!) {
    publishRelease(input: $input) {
      replaced
      release {
        id
        version
        outerChecksum
        revertableUntil
      }
    }
  }
`);

const RevertReleaseDocument = graphql(`
  mutation RevertRelease($input: RevertReleaseInput!) {
    revertRelease(input: $input) {
      packageDeleted
      package {
        id
        name
        latestVersion
      }
    }
  }
`);

const RetireReleaseDocument = graphql(`
  mutation RetireRelease($input: RetireReleaseInput!) {
    retireRelease(input: $input) {
      releases {
        id
        version
        retirement {
          id
          reason
          message
        }
      }
    }
  }
`);

const UnretireReleaseDocument = graphql(`
  mutation UnretireRelease($input: UnretireReleaseInput!) {
    unretireRelease(input: $input) {
      releases {
        id
        version
        retirement {
          id
        }
      }
    }
  }
`);

interface Props {
  name: string;
  version: string;
  repository: string | null;
  isPrivate: boolean;
  revertableUntil: string | null | undefined;
  retired: boolean;
}

/** What an owner can do to one release: replace or revert while the window is open, retire or unretire any time. */
export function ReleaseActions(props: Props) {
  const now = useNow(10_000);
  const open = windowOpen(props.revertableUntil, props.isPrivate, now);
  return (
    <section className="card owner-actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Manage this release</h2>
      {open ? (
        <>
          <ReplaceForm {...props} />
          <RevertAction {...props} />
        </>
      ) : null}
      {props.retired ? <UnretireAction {...props} /> : <RetireForm {...props} />}
    </section>
  );
}

function ReplaceForm({ name, version, repository }: Props) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [state, replace] = useMutation(ReplaceReleaseDocument);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (!file) return setError(`Choose the new ${name}-${version}.tar to upload.`);
    const r = await replace({ input: { tarball: file, repository, replace: true } });
    if (r.error) return setError(errorText(r.error));
    const v = r.data?.publishRelease.release.version;
    if (v && v !== version) navigate(paths.release(name, v, repository));
    else setDone(true);
  }

  return (
    <form className="stack compact" onSubmit={submit} noValidate>
      <h3>Replace</h3>
      <label className="field">
        <span>New tarball for {version}</span>
        <input type="file" accept=".tar,application/x-tar" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="replace-file" />
      </label>
      <ErrorMessage error={error} />
      {done ? (
        <p className="success" role="status">
          Replaced {name} {version}.
        </p>
      ) : null}
      <button type="submit" disabled={state.fetching} data-testid="replace-submit">
        {state.fetching ? 'Uploading…' : 'Replace release'}
      </button>
    </form>
  );
}

function RevertAction({ name, version, repository }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [state, revert] = useMutation(RevertReleaseDocument);

  async function doRevert() {
    setError(null);
    const r = await revert({ input: { package: name, version, repository } });
    if (r.error) return setError(errorText(r.error));
    if (r.data?.revertRelease.packageDeleted) navigate('/?reverted=' + encodeURIComponent(name));
    else navigate(paths.package(name, repository));
  }

  return (
    <div className="stack compact">
      <h3>Revert</h3>
      <p className="muted small">Removes this version, its tarball and its docs. Reverting the only version deletes the package.</p>
      <ErrorMessage error={error} />
      <ConfirmButton
        label="Revert this version…"
        question={`Revert ${name} ${version}? This cannot be undone.`}
        confirmLabel="Revert"
        busy={state.fetching}
        onConfirm={doRevert}
        testId="revert-button"
      />
    </div>
  );
}

function RetireForm({ name, version, repository }: Props) {
  const [reason, setReason] = useState<RetirementReason>('OTHER');
  const [message, setMessage] = useState('');
  const [all, setAll] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [state, retire] = useMutation(RetireReleaseDocument);
  const messageError = validateRetireMessage(message);

  async function doRetire() {
    setError(null);
    if (messageError) return setError(messageError);
    const r = await retire({
      input: { package: name, version: all ? null : version, repository, reason, message: message.trim() || null },
    });
    if (r.error) setError(errorText(r.error));
  }

  return (
    <form className="stack compact" onSubmit={(e) => e.preventDefault()} noValidate>
      <h3>Retire</h3>
      <p className="muted small">A retired release can still be fetched, but clients warn about it.</p>
      <div className="row">
        <label className="field">
          <span>Reason</span>
          <select value={reason} onChange={(e) => setReason(e.target.value as RetirementReason)} data-testid="retire-reason">
            {retirementReasons.map((r) => (
              <option key={r} value={r}>
                {reasonLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Message (optional, 3–140 characters)</span>
          <input
            value={message}
            maxLength={140}
            onChange={(e) => setMessage(e.target.value)}
            aria-invalid={!!messageError}
            data-testid="retire-message"
          />
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Retire every version of {name}
      </label>
      <ErrorMessage error={error} />
      <ConfirmButton
        label="Retire…"
        className="warn"
        question={all ? `Retire every version of ${name}?` : `Retire ${name} ${version}?`}
        confirmLabel="Retire"
        busy={state.fetching}
        disabled={!!messageError}
        onConfirm={doRetire}
        testId="retire-submit"
      />
    </form>
  );
}

function UnretireAction({ name, version, repository }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [state, unretire] = useMutation(UnretireReleaseDocument);
  async function doUnretire() {
    setError(null);
    const r = await unretire({ input: { package: name, version, repository } });
    if (r.error) setError(errorText(r.error));
  }
  return (
    <div className="stack compact">
      <h3>Unretire</h3>
      <ErrorMessage error={error} />
      <button type="button" className="secondary" disabled={state.fetching} onClick={doUnretire} data-testid="unretire-button">
        {state.fetching ? 'Working…' : 'Unretire this version'}
      </button>
    </div>
  );
}
