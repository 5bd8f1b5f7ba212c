import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { useMutation, type AnyVariables, type DocumentInput, type OperationContext, type UseMutationResponse } from 'urql';
import { hasCode } from '../lib/errors';
import { TwoFactorPrompt } from './TwoFactorPrompt';

// Sudo mode for every page: a mutation the API answers with TOTP_REQUIRED
// (a sensitive action, the last two-factor code older than 10 minutes)
// asks for a code through the prompt below, and is retried once the
// code is confirmed. The rule is the API's; the app only reacts to it.

type Ask = () => Promise<boolean>;

const SudoContext = createContext<Ask | null>(null);

export function SudoProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);
  const ask = useCallback(() => new Promise<boolean>((resolve) => setPending(() => resolve)), []);
  const finish = (ok: boolean) => {
    pending?.(ok);
    setPending(null);
  };
  return (
    <SudoContext.Provider value={ask}>
      {children}
      {pending ? (
        <div className="sudo-dialog" role="dialog" aria-modal="true" aria-label="Confirm with a two-factor code">
          <TwoFactorPrompt onConfirmed={() => finish(true)} onCancel={() => finish(false)} />
        </div>
      ) : null}
    </SudoContext.Provider>
  );
}

/** useMutation that, on TOTP_REQUIRED, asks for a code and retries once. */
export function useSudoMutation<Data = unknown, Variables extends AnyVariables = AnyVariables>(query: DocumentInput<Data, Variables>): UseMutationResponse<Data, Variables> {
  const [state, run] = useMutation<Data, Variables>(query);
  const ask = useContext(SudoContext);
  const exec = useCallback(
    async (vars: Variables, ctx?: Partial<OperationContext>) => {
      const r = await run(vars, ctx);
      if (ask && hasCode(r.error, 'TOTP_REQUIRED') && (await ask())) return run(vars, ctx);
      return r;
    },
    [run, ask],
  );
  return [state, exec];
}
