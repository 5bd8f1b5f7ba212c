import { RequireViewer } from '../../components/RequireViewer';
import { useLocation } from '../../router';
import { ApiKeys } from './ApiKeys';
import { ChangePasswordForm } from './ChangePasswordForm';
import { Organizations } from './Organizations';
import { TwoFactor } from './TwoFactor';

export default function SettingsPage() {
  const { search } = useLocation();
  const breached = search.get('breached') === '1';
  return (
    <RequireViewer>
      {(viewer) => (
        <div className="settings">
          <h1>Settings</h1>
          <p className="muted">
            Signed in as <strong>{viewer.username}</strong>
            {viewer.email ? <> ({viewer.email})</> : null}.
          </p>
          {breached ? (
            <div className="notice warn" role="alert" data-testid="password-breached-warning">
              <strong>Your password appears in a list of breached passwords.</strong> Anyone could guess it. Please change it now.
            </div>
          ) : null}
          <TwoFactor />
          <ChangePasswordForm />
          <ApiKeys />
          <Organizations organizations={viewer.organizations} />
        </div>
      )}
    </RequireViewer>
  );
}
