import { useState } from 'react';
import { useQuery } from 'urql';
import { useSudoMutation } from '../../components/Sudo';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RelativeTime } from '../../components/RelativeTime';
import { RequireViewer } from '../../components/RequireViewer';
import { Empty, NotFound, QueryState } from '../../components/States';
import { errorText } from '../../lib/errors';
import { formatMoney, formatVatRate } from '../../lib/money';
import { formatDate } from '../../lib/time';
import { Link, paths } from '../../router';
import { InvoiceStatusBadge } from './InvoiceList';

const InvoiceDocument = graphql(`
  query Invoice($org: String!, $number: String!) {
    organization(name: $org) {
      id
      name
      displayName
      invoice(number: $number) {
        number
        status
        issuedAt
        paidAt
        htmlUrl
        periodStart
        periodEnd
        currency
        reverseCharge
        note
        vatRateBasisPoints
        seller {
          name
          address
          country
          vatNumber
        }
        buyer {
          name
          address
          country
          vatNumber
        }
        lines {
          kind
          description
          quantity
          periodStart
          periodEnd
          unitAmount {
            cents
            currency
          }
          amount {
            cents
            currency
          }
        }
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
        paymentAttempts {
          attemptedAt
          succeeded
          failureMessage
        }
      }
    }
  }
`);

const PayThisInvoiceDocument = graphql(`
  mutation PayThisInvoice($input: PayInvoiceInput!) {
    payInvoice(input: $input) {
      invoice {
        number
        status
        paidAt
      }
      billing {
        status
        openInvoice
      }
    }
  }
`);

export default function InvoicePage({ params }: { params: Record<string, string> }) {
  return <RequireViewer>{() => <InvoiceView org={params.name} number={params.number} />}</RequireViewer>;
}

function InvoiceView({ org, number }: { org: string; number: string }) {
  const [{ data, fetching, error }] = useQuery({ query: InvoiceDocument, variables: { org, number } });
  const [payState, pay] = useSudoMutation(PayThisInvoiceDocument);
  const [payError, setPayError] = useState<string | null>(null);
  const inv = data?.organization?.invoice;

  async function doPay() {
    setPayError(null);
    const r = await pay({ input: { organization: org, number } });
    if (r.error) setPayError(errorText(r.error));
  }

  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {!inv ? (
        <NotFound what="invoice" />
      ) : (
        <article className="invoice-doc card" data-testid="invoice" data-status={inv.status}>
          <p className="breadcrumb no-print">
            <Link to={paths.billing(org)}>{data?.organization?.displayName || org} billing</Link> / invoices
          </p>
          <h1>
            Invoice <span data-testid="invoice-number">{inv.number}</span> <InvoiceStatusBadge status={inv.status} />
          </h1>
          <p className="muted">
            {inv.issuedAt ? <>Issued {formatDate(inv.issuedAt)} · </> : null}period {formatDate(inv.periodStart)} – {formatDate(inv.periodEnd)}
            {inv.paidAt ? <> · paid {formatDate(inv.paidAt)}</> : null}
          </p>
          <div className="invoice-parties">
            <section>
              <h2>From</h2>
              <address>
                <strong>{inv.seller.name}</strong>
                {'\n'}
                {inv.seller.address}
                {'\n'}
                {inv.seller.country}
                {inv.seller.vatNumber ? `\nVAT ${inv.seller.vatNumber}` : ''}
              </address>
            </section>
            <section>
              <h2>To</h2>
              <address>
                <strong>{inv.buyer.name}</strong>
                {'\n'}
                {inv.buyer.address}
                {'\n'}
                {inv.buyer.country}
                {inv.buyer.vatNumber ? `\nVAT ${inv.buyer.vatNumber}` : ''}
              </address>
            </section>
          </div>
          <div className="table-wrap">
            <table className="lines">
              <thead>
                <tr>
                  <th scope="col">Description</th>
                  <th scope="col" className="num">
                    Qty
                  </th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {inv.lines.map((l, i) => (
                  <tr key={i} data-testid="invoice-line">
                    <td>
                      {l.description}
                      {l.kind === 'PRORATION' ? <span className="badge">pro-rated</span> : l.kind === 'CREDIT' ? <span className="badge">credit</span> : null}
                      <div className="muted small">
                        {formatDate(l.periodStart)} – {formatDate(l.periodEnd)}
                      </div>
                    </td>
                    <td className="num">{l.quantity}</td>
                    <td className="num">{formatMoney(l.unitAmount)}</td>
                    <td className="num">{formatMoney(l.amount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <table className="totals">
            <tbody>
              <tr>
                <th scope="row">Subtotal</th>
                <td className="num" data-testid="invoice-subtotal">
                  {formatMoney(inv.subtotal)}
                </td>
              </tr>
              <tr>
                <th scope="row">VAT {formatVatRate(inv.vatRateBasisPoints)}</th>
                <td className="num" data-testid="invoice-vat">
                  {formatMoney(inv.vat)}
                </td>
              </tr>
              <tr>
                <th scope="row">Total ({inv.currency})</th>
                <td className="num" data-testid="invoice-total">
                  <strong>{formatMoney(inv.total)}</strong>
                </td>
              </tr>
            </tbody>
          </table>
          {inv.reverseCharge || inv.note ? <p className="notice">{inv.note || 'Reverse charge: VAT to be accounted for by the recipient.'}</p> : null}
          <section className="no-print">
            <h2>Payments</h2>
            {inv.paymentAttempts.length ? (
              <ul className="plain">
                {inv.paymentAttempts.map((a, i) => (
                  <li key={i} data-testid="payment-attempt">
                    <span>
                      <RelativeTime value={a.attemptedAt} />
                    </span>
                    {a.succeeded ? <span className="badge badge-ok">paid</span> : <span className="badge badge-warn">failed{a.failureMessage ? `: ${a.failureMessage}` : ''}</span>}
                  </li>
                ))}
              </ul>
            ) : (
              <Empty>No payment attempts yet.</Empty>
            )}
            {inv.status === 'OPEN' || inv.status === 'UNCOLLECTIBLE' ? (
              <>
                <ErrorMessage error={payError} />
                <button type="button" onClick={doPay} disabled={payState.fetching} data-testid="pay-invoice-button">
                  {payState.fetching ? 'Paying…' : `Pay ${formatMoney(inv.total)} now`}
                </button>
              </>
            ) : null}
            <p>
              <button type="button" className="secondary" onClick={() => window.print()}>
                Print
              </button>{' '}
              <a href={inv.htmlUrl} className="button-link secondary" target="_blank" rel="noopener">
                Printable invoice
              </a>
            </p>
          </section>
        </article>
      )}
    </QueryState>
  );
}
