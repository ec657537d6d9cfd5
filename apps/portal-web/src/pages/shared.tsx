// Pieces several group pages share: the license table (what is licensed and how much is used now).
import { Link } from 'react-router';
import { StatusBadge, Table } from '../components';
import { daysUntil, fmtDate } from '../format';
import type { License } from '../types';

export function Expiry({ iso }: { iso: string | null }) {
  if (!iso) return <span>No end</span>;
  const days = daysUntil(iso);
  if (days < 0) return <span className="badge badge-revoked">Expired {fmtDate(iso)}</span>;
  return (
    <span>
      {fmtDate(iso)}{' '}
      {days <= 30 ? (
        <span className="badge badge-warn">renew within {days} d</span>
      ) : (
        <span className="muted">({days} d left)</span>
      )}
    </span>
  );
}

export function LicenseTable({
  licenses,
  inUse,
  usageLinks,
}: {
  licenses: License[];
  inUse?: Map<string, number>;
  usageLinks?: boolean;
}) {
  return (
    <Table
      caption="Licenses"
      rows={licenses}
      rowKey={(l) => l.id}
      columns={[
        { label: 'Product', render: (l) => <strong>{l.product.name}</strong> },
        {
          label: 'Modules',
          render: (l) =>
            l.features.length ? (
              l.features.map((f) => (
                <span key={f} className="chip">
                  {f}
                </span>
              ))
            ) : (
              <span className="muted">base product</span>
            ),
        },
        {
          label: inUse ? 'Seats in use' : 'Quantity',
          render: (l) => (inUse ? <SeatMeter used={inUse.get(l.id) ?? 0} quantity={l.quantity} /> : l.quantity),
        },
        { label: 'Status', render: (l) => <StatusBadge value={l.status} /> },
        { label: 'Expiry / renewal', render: (l) => <Expiry iso={l.expiresAt} /> },
        ...(usageLinks
          ? [
              {
                label: 'Usage',
                render: (l: License) => (
                  <Link to={`/group/usage/${l.id}`} aria-label={`Usage of ${l.product.name}`}>
                    Usage chart
                  </Link>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

export function SeatMeter({ used, quantity }: { used: number; quantity: number }) {
  const pct = quantity ? Math.min(100, Math.round((used / quantity) * 100)) : 0;
  return (
    <span className="meter-wrap">
      <span
        className="meter"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={quantity}
        aria-valuenow={used}
        aria-label={`${used} of ${quantity} seats in use`}
      >
        <span className={pct >= 100 ? 'meter-fill full' : 'meter-fill'} style={{ width: `${pct}%` }} />
      </span>
      <span className="seats">
        {used} / {quantity}
      </span>
    </span>
  );
}
