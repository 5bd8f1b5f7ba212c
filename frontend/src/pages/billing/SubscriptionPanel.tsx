import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { useSudoMutation } from '../../components/Sudo';
import { graphql } from '../../gql';
import type { BillingStateFragment, Plan, SubscriptionStatus } from '../../gql/graphql';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { errorText } from '../../lib/errors';
import { formatMoney, formatVatRate, offerText, periodName, type Money, type PlanOffer } from '../../lib/money';
import { formatDate, formatExact } from '../../lib/time';
import { Link, paths } from '../../router';

export const BillingStateDoc = graphql(`
  fragment BillingState on Billing {
    plan
    seats
    seatsUsed
    status
    currentPeriodStart
    currentPeriodEnd
    cancelAtPeriodEnd
    trialEnd
    nextRetryAt
    openInvoice
    entitled
  }
`);

const PreviewSeatChangeDocument = graphql(`
  query PreviewSeatChange($organization: String!, $seats: Int!) {
    previewSeatChange(organization: $organization, seats: $seats) {
      seats
      chargedNow
      onNextInvoice
      vatRateBasisPoints
      subtotal {
        cents
        currency
      }
      vat {
        cents
        currency
      }
      total {
        cents
        currency
      }
      line {
        description
      }
    }
  }
`);

const StartSubscriptionDocument = graphql(`
  mutation StartSubscription($input: StartSubscriptionInput!) {
    startSubscription(input: $input) {
      billing {
        ...BillingState
      }
    }
  }
`);

const ChangeSeatsDocument = graphql(`
  mutation ChangeSeats($input: ChangeSeatsInput!) {
    changeSeats(input: $input) {
      billing {
        ...BillingState
      }
    }
  }
`);

const ChangePlanDocument = graphql(`
  mutation ChangePlan($input: ChangePlanInput!) {
    changePlan(input: $input) {
      billing {
        ...BillingState
      }
    }
  }
`);

const CancelSubscriptionDocument = graphql(`
  mutation CancelSubscription($input: CancelSubscriptionInput!) {
    cancelSubscription(input: $input) {
      billing {
        ...BillingState
      }
    }
  }
`);

const ResumeSubscriptionDocument = graphql(`
  mutation ResumeSubscription($input: ResumeSubscriptionInput!) {
    resumeSubscription(input: $input) {
      billing {
        ...BillingState
      }
    }
  }
`);

const PayInvoiceDocument = graphql(`
  mutation PayInvoice($input: PayInvoiceInput!) {
    payInvoice(input: $input) {
      invoice {
        number
        status
      }
      billing {
        ...BillingState
      }
    }
  }
`);

export type BillingState = BillingStateFragment;

/** The server's offer for plan (Query.plans); it computes every amount that is charged. */
export function offerFor(plans: readonly PlanOffer[], plan: Plan): PlanOffer | undefined {
  return plans.find((p) => p.plan === plan);
}

const statusText: Record<SubscriptionStatus, string> = {
  INCOMPLETE: 'Waiting for the first payment',
  TRIALING: 'Trial',
  ACTIVE: 'Active',
  PAST_DUE: 'Payment failed — retrying',
  CANCELED: 'Cancelled',
};

export function SubscriptionPanel({
  org,
  members,
  billing,
  hasProfile,
  plans,
}: {
  org: string;
  members: number;
  billing: BillingState | null;
  hasProfile: boolean;
  plans: readonly PlanOffer[];
}) {
  const live = billing && billing.status !== 'CANCELED';
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan</h2>
      {billing ? <CurrentPlan org={org} billing={billing} plans={plans} /> : <p>No subscription: this organization can have public packages only.</p>}
      {live ? <SeatsForm org={org} members={members} billing={billing} /> : <StartForm org={org} members={members} hasProfile={hasProfile} plans={plans} />}
    </section>
  );
}

function CurrentPlan({ org, billing, plans }: { org: string; billing: BillingState; plans: readonly PlanOffer[] }) {
  const annual = offerFor(plans, 'ANNUAL');
  const [error, setError] = useState<string | null>(null);
  const [cancelState, cancel] = useSudoMutation(CancelSubscriptionDocument);
  const [resumeState, resume] = useSudoMutation(ResumeSubscriptionDocument);
  const [payState, pay] = useSudoMutation(PayInvoiceDocument);
  const [planState, changePlan] = useSudoMutation(ChangePlanDocument);
  const run = async (p: Promise<{ error?: Parameters<typeof errorText>[0] }>) => {
    setError(null);
    const r = await p;
    if (r.error) setError(errorText(r.error));
  };
  return (
    <div className="stack compact" data-testid="subscription" data-status={billing.status}>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`badge status-${billing.status.toLowerCase()}`}>{statusText[billing.status] ?? billing.status}</span>
          {billing.cancelAtPeriodEnd && billing.status !== 'CANCELED' ? <span className="badge">ends {formatDate(billing.currentPeriodEnd)}</span> : null}
        </dd>
        <dt>Plan</dt>
        <dd>
          {billing.plan === 'ANNUAL' ? 'Annual' : 'Monthly'} · {offerText(offerFor(plans, billing.plan))}
        </dd>
        <dt>Seats</dt>
        <dd data-testid="seats">
          {billing.seats} <span className="muted">({billing.seatsUsed} used)</span>
        </dd>
        {billing.trialEnd && billing.status === 'TRIALING' ? (
          <>
            <dt>Trial ends</dt>
            <dd>{formatDate(billing.trialEnd)}</dd>
          </>
        ) : null}
        <dt>Private packages</dt>
        <dd>{billing.entitled ? 'available to members' : <strong>not available</strong>}</dd>
        <dt>{billing.status === 'CANCELED' ? 'Ended' : 'Current period'}</dt>
        <dd>
          <span title={formatExact(billing.currentPeriodStart)}>{formatDate(billing.currentPeriodStart)}</span> –{' '}
          <span title={formatExact(billing.currentPeriodEnd)}>{formatDate(billing.currentPeriodEnd)}</span>
        </dd>
      </dl>
      {billing.openInvoice ? (
        <div className="notice warn">
          Invoice <Link to={paths.invoice(org, billing.openInvoice)}>{billing.openInvoice}</Link> is unpaid
          {billing.nextRetryAt ? <> (next automatic try {formatDate(billing.nextRetryAt)})</> : null}.{' '}
          <button
            type="button"
            className="small"
            disabled={payState.fetching}
            onClick={() => run(pay({ input: { organization: org, number: billing.openInvoice! } }))}
            data-testid="pay-invoice-button"
          >
            {payState.fetching ? 'Paying…' : 'Pay now'}
          </button>
        </div>
      ) : null}
      <ErrorMessage error={error} />
      {billing.plan === 'MONTHLY' && (billing.status === 'ACTIVE' || billing.status === 'TRIALING') && !billing.cancelAtPeriodEnd ? (
        <ConfirmButton
          label="Switch to annual…"
          className="secondary"
          question={`Switch to the annual plan now? ${billing.seats} × ${offerText(annual)}, minus a credit for the unused part of this month.`}
          confirmLabel="Switch to annual"
          busy={planState.fetching}
          onConfirm={() => run(changePlan({ input: { organization: org, plan: 'ANNUAL' } }))}
          testId="change-plan-button"
        />
      ) : null}
      {billing.status !== 'CANCELED' ? (
        billing.cancelAtPeriodEnd ? (
          <button
            type="button"
            className="secondary"
            disabled={resumeState.fetching}
            onClick={() => run(resume({ input: { organization: org } }))}
            data-testid="resume-subscription-button"
          >
            {resumeState.fetching ? 'Resuming…' : 'Resume subscription'}
          </button>
        ) : (
          <ConfirmButton
            label="Cancel subscription…"
            question={`Cancel? Members keep access to private packages until ${formatDate(billing.currentPeriodEnd)}.`}
            confirmLabel="Cancel subscription"
            busy={cancelState.fetching}
            onConfirm={() => run(cancel({ input: { organization: org } }))}
            testId="cancel-subscription-button"
          />
        )
      ) : null}
    </div>
  );
}

/** Seat changes show their pro-rated price before they are confirmed. */
function SeatsForm({ org, members, billing }: { org: string; members: number; billing: BillingState }) {
  const [seats, setSeats] = useState(billing.seats);
  const [debounced, setDebounced] = useState(billing.seats);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [state, change] = useSudoMutation(ChangeSeatsDocument);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(seats), 250);
    return () => clearTimeout(t);
  }, [seats]);
  const changed = Number.isInteger(debounced) && debounced >= 1 && debounced !== billing.seats;
  const [preview] = useQuery({
    query: PreviewSeatChangeDocument,
    variables: { organization: org, seats: debounced },
    pause: !changed,
    requestPolicy: 'network-only',
  });
  const p = changed ? preview.data?.previewSeatChange : null;
  const tooFew = seats < members;

  async function doChange() {
    setError(null);
    setDone(false);
    const r = await change({ input: { organization: org, seats } });
    if (r.error) return setError(errorText(r.error));
    setDone(true);
  }

  return (
    <form className="stack compact" onSubmit={(e: FormEvent) => e.preventDefault()} noValidate aria-labelledby="seats-title">
      <h3 id="seats-title">Seats</h3>
      <p className="muted small">
        {members} {members === 1 ? 'member uses' : 'members use'} {billing.seats} paid {billing.seats === 1 ? 'seat' : 'seats'}.
      </p>
      <div className="field">
        <label htmlFor="seat-count">Number of seats</label>
        <input
          id="seat-count"
          type="number"
          min={Math.max(1, members)}
          step={1}
          value={Number.isNaN(seats) ? '' : seats}
          onChange={(e) => setSeats(e.target.valueAsNumber)}
          aria-invalid={tooFew ? true : undefined}
          data-testid="seat-count"
        />
        {tooFew ? (
          <small className="field-error" data-testid="field-error">
            There are {members} members: remove members before going below {members} seats.
          </small>
        ) : null}
      </div>
      {changed ? (
        <div className="price-preview" data-testid="seat-preview" aria-live="polite">
          {preview.fetching && !p ? (
            'Working out the price…'
          ) : preview.error ? (
            <ErrorMessage error={preview.error} />
          ) : p ? (
            <SeatPreviewText from={billing.seats} preview={p} plan={billing.plan} />
          ) : null}
        </div>
      ) : null}
      <ErrorMessage error={error} />
      {done ? (
        <p className="success" role="status">
          Seats changed.
        </p>
      ) : null}
      <ConfirmButton
        label="Change seats…"
        className="secondary"
        question={`Change from ${billing.seats} to ${seats} seats${p && p.total.cents > 0 ? ` for ${formatMoney(p.total)}${p.chargedNow ? ', charged now' : ' on the next invoice'}` : ''}?`}
        confirmLabel="Confirm seat change"
        disabled={!changed || tooFew || !p || debounced !== seats}
        busy={state.fetching}
        onConfirm={doChange}
        testId="change-seats-submit"
      />
    </form>
  );
}

export interface SeatPreview {
  seats: number;
  chargedNow: boolean;
  onNextInvoice: boolean;
  vatRateBasisPoints: number;
  subtotal: Money;
  vat: Money;
  total: Money;
  line?: { description: string } | null;
}

/** The pro-rated price of a seat change, as the server computed it, before it is confirmed. */
export function SeatPreviewText({ from, plan, preview }: { from: number; plan: Plan; preview: SeatPreview }) {
  const delta = preview.seats - from;
  const n = Math.abs(delta);
  const seats = `${n} ${n === 1 ? 'seat' : 'seats'}`;
  if (delta < 0 || !preview.line || preview.total.cents === 0) {
    return (
      <p>
        {delta < 0 ? 'Removing' : 'Adding'} {seats}: no charge now{delta < 0 ? ' and no credit' : ''}. From the next {plan === 'ANNUAL' ? 'year' : 'month'} you
        pay for {preview.seats} {preview.seats === 1 ? 'seat' : 'seats'}.
      </p>
    );
  }
  return (
    <p>
      Adding {seats} for the rest of this {plan === 'ANNUAL' ? 'year' : 'month'} (pro-rated): {formatMoney(preview.subtotal)} + VAT{' '}
      {formatVatRate(preview.vatRateBasisPoints)} {formatMoney(preview.vat)} = <strong>{formatMoney(preview.total)}</strong>,{' '}
      {preview.chargedNow ? 'invoiced and charged now' : 'added to the next invoice'}.
    </p>
  );
}

function StartForm({ org, members, hasProfile, plans }: { org: string; members: number; hasProfile: boolean; plans: readonly PlanOffer[] }) {
  const [plan, setPlan] = useState<Plan>('MONTHLY');
  const [seats, setSeats] = useState(Math.max(1, members));
  const [error, setError] = useState<string | null>(null);
  const [state, start] = useSudoMutation(StartSubscriptionDocument);
  const offer = offerFor(plans, plan);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!Number.isInteger(seats) || seats < Math.max(1, members)) return setError(`Choose at least ${Math.max(1, members)} seats: one for every member.`);
    const r = await start({ input: { organization: org, plan, seats } });
    if (r.error) setError(errorText(r.error));
  }

  return (
    <form className="stack compact" onSubmit={submit} noValidate aria-labelledby="start-title">
      <h3 id="start-title">Start a subscription</h3>
      {!hasProfile ? <p className="notice warn small">Fill in the billing details first: they decide the VAT on your invoices.</p> : null}
      <fieldset className="checks">
        <legend>Plan</legend>
        <label className="check">
          <input type="radio" name="plan" value="MONTHLY" checked={plan === 'MONTHLY'} onChange={() => setPlan('MONTHLY')} data-testid="plan-monthly" /> Monthly —{' '}
          {offerText(offerFor(plans, 'MONTHLY'))}
        </label>
        <label className="check">
          <input type="radio" name="plan" value="ANNUAL" checked={plan === 'ANNUAL'} onChange={() => setPlan('ANNUAL')} data-testid="plan-annual" /> Annual —{' '}
          {offerText(offerFor(plans, 'ANNUAL'))}
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor="start-seats">Seats</label>
        <input id="start-seats" type="number" min={Math.max(1, members)} value={Number.isNaN(seats) ? '' : seats} onChange={(e) => setSeats(e.target.valueAsNumber)} data-testid="start-seats" />
      </div>
      <p className="price-preview">
        {Number.isInteger(seats) && seats > 0 && offer ? (
          <>
            {seats} × {formatMoney(offer.seatPrice)} = <strong>{formatMoney({ cents: seats * offer.seatPrice.cents, currency: offer.seatPrice.currency })}</strong> per{' '}
            {periodName(offer.periodMonths)}, plus VAT where it applies. Charged today, then on this day every {periodName(offer.periodMonths)}.
          </>
        ) : (
          'Choose the number of seats.'
        )}
      </p>
      <ErrorMessage error={error} />
      <button type="submit" disabled={state.fetching} data-testid="start-subscription-submit">
        {state.fetching ? 'Starting…' : 'Start subscription'}
      </button>
    </form>
  );
}
