import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { RequireViewer } from '../../components/RequireViewer';
import { NotFound, QueryState } from '../../components/States';
import { offerText } from '../../lib/money';
import { Link, paths } from '../../router';
import { BillingProfileForm } from './BillingProfileForm';
import { InvoiceList } from './InvoiceList';
import { SubscriptionPanel } from './SubscriptionPanel';

const OrgBillingDocument = graphql(`
  query OrgBilling($name: String!) {
    plans {
      plan
      seatPrice {
        cents
        currency
      }
      periodMonths
    }
    billingCountries {
      code
      name
      vatPrefix
    }
    organization(name: $name) {
      id
      name
      displayName
      viewerRole
      members {
        id
      }
      billing {
        ...BillingState
      }
      billingProfile {
        name
        email
        address
        country
        company
        vatNumber
        vatRateBasisPoints
        reverseCharge
      }
      invoices(first: 100) {
        totalCount
        pageInfo {
          hasNextPage
        }
        edges {
          node {
            ...InvoiceListItem
          }
        }
      }
    }
  }
`);

// urql's document cache refetches a query when a mutation returns a type the
// query's last result contained. Before the first subscription `billing` is
// null and there are no invoices, so the result holds no Billing or Invoice
// and startSubscription would leave the page stale: name them here.
const billingContext = { additionalTypenames: ['Billing', 'Invoice'] };

export default function BillingPage({ params }: { params: Record<string, string> }) {
  return <RequireViewer>{() => <Billing name={params.name} />}</RequireViewer>;
}

function Billing({ name }: { name: string }) {
  const [{ data, fetching, error }] = useQuery({ query: OrgBillingDocument, variables: { name }, requestPolicy: 'cache-and-network', context: billingContext });
  const org = data?.organization;
  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {!org ? (
        <NotFound what="organization" />
      ) : org.viewerRole !== 'ADMIN' ? (
        <section className="narrow">
          <h1>Billing</h1>
          <p>Only admins of {org.displayName || org.name} can see and change its billing.</p>
        </section>
      ) : (
        <div className="billing">
          <p className="breadcrumb">
            <Link to={paths.org(org.name)}>{org.displayName || org.name}</Link> / billing
          </p>
          <h1>Billing</h1>
          <p className="muted">
            Private packages need a subscription: {data.plans.map((p) => offerText(p)).join(', or ')}. Prices exclude VAT. Public packages are always
            free.
          </p>
          <div className="billing-layout">
            <SubscriptionPanel
              org={org.name}
              members={org.members.length}
              billing={org.billing ?? null}
              hasProfile={!!org.billingProfile?.country}
              plans={data.plans}
            />
            <BillingProfileForm org={org.name} profile={org.billingProfile ?? null} countries={data.billingCountries} />
          </div>
          <InvoiceList org={org.name} invoices={org.invoices.edges.map((e) => e.node)} more={org.invoices.pageInfo.hasNextPage} />
        </div>
      )}
    </QueryState>
  );
}
