import { useEffect, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { QueryState } from '../../components/States';
import { errorText } from '../../lib/errors';

const TwoFactorStatusDocument = graphql(`
  query TwoFactorStatus {
    viewer {
      id
      twoFactorEnabled
      recoveryCodesLeft
    }
  }
`);

const BeginTwoFactorDocument = graphql(`
  mutation BeginTwoFactor {
    beginTwoFactor {
      secret
      uri
    }
  }
`);

const EnableTwoFactorDocument = graphql(`
  mutation EnableTwoFactor($input: EnableTwoFactorInput!) {
    enableTwoFactor(input: $input) {
      recoveryCodes
      user {
        id
        twoFactorEnabled
        recoveryCodesLeft
      }
    }
  }
`);

const RegenerateRecoveryCodesDocument = graphql(`
  mutation RegenerateRecoveryCodes($input: RegenerateRecoveryCodesInput!) {
    regenerateRecoveryCodes(input: $input) {
      recoveryCodes
    }
  }
`);

const DisableTwoFactorDocument = graphql(`
  mutation DisableTwoFactor($input: DisableTwoFactorInput!) {
    disableTwoFactor(input: $input) {
      user {
        id
        twoFactorEnabled
        recoveryCodesLeft
      }
    }
  }
`);

/** The QR code of an otpauth:// URI, drawn in the page (nothing leaves the browser). */
function QRImage({ uri }: { uri: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(uri, { margin: 1, width: 200 }).then(
      (url) => live && setSrc(url),
      () => live && setSrc(null),
    );
    return () => {
      live = false;
    };
  }, [uri]);
  return src ? <img src={src} width={200} height={200} alt="QR code for your authenticator app" data-testid="totp-qr" /> : null;
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="notice ok" role="status" data-testid="recovery-codes">
      <p>
        <strong>Recovery codes.</strong> Each signs you in once if you lose your authenticator. Store them safely: they are shown only this once.
      </p>
      <ul className="codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function TwoFactor() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: TwoFactorStatusDocument, requestPolicy: 'cache-and-network' });
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const [beginState, begin] = useMutation(BeginTwoFactorDocument);
  const [enableState, enable] = useMutation(EnableTwoFactorDocument);
  const [regenState, regen] = useMutation(RegenerateRecoveryCodesDocument);
  const [disableState, disable] = useMutation(DisableTwoFactorDocument);
  const on = data?.viewer?.twoFactorEnabled ?? false;

  async function start() {
    setErr(null);
    setCodes(null);
    const r = await begin({});
    if (r.error || !r.data) return setErr(errorText(r.error));
    setEnrolment(r.data.beginTwoFactor);
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    const r = await enable({ input: { code: code.trim() } });
    if (r.error || !r.data) return setErr(errorText(r.error));
    setCodes(r.data.enableTwoFactor.recoveryCodes);
    setEnrolment(null);
    setCode('');
    refetch({ requestPolicy: 'network-only' });
  }

  async function regenerate(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    const r = await regen({ input: { code: code.trim() } });
    if (r.error || !r.data) return setErr(errorText(r.error));
    setCodes(r.data.regenerateRecoveryCodes.recoveryCodes);
    setCode('');
    refetch({ requestPolicy: 'network-only' });
  }

  async function turnOff() {
    setErr(null);
    const r = await disable({ input: { code: code.trim() } });
    if (r.error) return setErr(errorText(r.error));
    setCodes(null);
    setCode('');
    refetch({ requestPolicy: 'network-only' });
  }

  return (
    <section className="card" aria-labelledby="tfa-title" data-testid="two-factor">
      <h2 id="tfa-title">Two-factor authentication</h2>
      <QueryState fetching={fetching} error={error} hasData={!!data}>
        {codes ? <RecoveryCodes codes={codes} /> : null}
        {on ? (
          <form className="stack" onSubmit={regenerate} noValidate>
            <p data-testid="tfa-status">
              <span className="badge badge-ok">on</span> Sign-in and sensitive actions ask for a code from your authenticator app.{' '}
              {data?.viewer?.recoveryCodesLeft != null ? <span className="muted">{data.viewer.recoveryCodesLeft} recovery codes left.</span> : null}
            </p>
            <Field label="Current code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} hint="Needed to make new recovery codes or to turn two-factor authentication off." data-testid="tfa-manage-code" />
            <ErrorMessage error={err} />
            <div className="row">
              <button type="submit" disabled={regenState.fetching || !code.trim()} data-testid="tfa-regenerate">
                New recovery codes
              </button>
              <button type="button" className="danger" disabled={disableState.fetching || !code.trim()} onClick={turnOff} data-testid="tfa-disable">
                Turn off
              </button>
            </div>
          </form>
        ) : enrolment ? (
          <form className="stack" onSubmit={confirm} noValidate>
            <p>Scan the QR code with your authenticator app, or type the secret into it, then enter the code it shows.</p>
            <div className="row">
              <QRImage uri={enrolment.uri} />
              <p>
                Secret:{' '}
                <code className="secret" data-testid="totp-secret">
                  {enrolment.secret}
                </code>
              </p>
            </div>
            <Field label="Code from the app" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} data-testid="totp-enable-code" />
            <ErrorMessage error={err} />
            <button type="submit" disabled={enableState.fetching || !code.trim()} data-testid="totp-enable-submit">
              {enableState.fetching ? 'Checking…' : 'Turn on'}
            </button>
          </form>
        ) : (
          <>
            <p data-testid="tfa-status">
              <span className="badge">off</span> A code from an authenticator app, asked at sign-in and for sensitive actions, keeps a stolen password from being enough.
            </p>
            <ErrorMessage error={err} />
            <button type="button" onClick={start} disabled={beginState.fetching} data-testid="tfa-begin">
              Set up two-factor authentication
            </button>
          </>
        )}
      </QueryState>
    </section>
  );
}
