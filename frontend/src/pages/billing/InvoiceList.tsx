import { graphql } from '../../gql';
import type { InvoiceListItemFragment } from '../../gql/graphql';
import { RelativeTime } from '../../components/RelativeTime';
import { Empty } from '../../components/States';
import { formatMoney } from '../../lib/money';
import { formatDate } from '../../lib/time';
import { Link, paths } from '../../router';

export const InvoiceListItem = graphql(`
  fragment InvoiceListItem on Invoice {
    number
    status
    issuedAt
    periodStart
    periodEnd
    total {
      cents
      currency
    }
  }
`);

export function InvoiceStatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
}

export function InvoiceList({ org, invoices, more }: { org: string; invoices: readonly InvoiceListItemFragment[]; more?: boolean }) {
  return (
    <section className="card" aria-labelledby="invoices-title">
      <h2 id="invoices-title">Invoices</h2>
      {invoices.length ? (
        <div className="table-wrap">
          <table className="invoices">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Issued</th>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((i) =>
                i ? (
                  <tr key={i.number} data-testid="invoice-row" data-number={i.number} data-status={i.status}>
                    <td>
                      <Link to={paths.invoice(org, i.number)}>{i.number}</Link>
                    </td>
                    <td>{i.issuedAt ? <RelativeTime value={i.issuedAt} /> : <span className="muted">not issued</span>}</td>
                    <td>
                      {formatDate(i.periodStart)} – {formatDate(i.periodEnd)}
                    </td>
                    <td>
                      <InvoiceStatusBadge status={i.status} />
                    </td>
                    <td className="num">{formatMoney(i.total)}</td>
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
          {more ? <p className="muted small">Only the latest 100 invoices are listed.</p> : null}
        </div>
      ) : (
        <Empty>No invoices yet.</Empty>
      )}
    </section>
  );
}
