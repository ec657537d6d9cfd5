// The group's audit trail with filters (who, what, when), in the order it happened, 50 at a time.
import { useEffect, useState } from 'react';
import { api, query } from '../api';
import { loadLookup } from '../group-lookup';
import { ErrorBanner, PageHeader, Table, useLoad } from '../components';
import { fmtDateTime } from '../format';
import type { AuditEntry, Page } from '../types';

interface Filters {
  actorType: string;
  entityType: string;
  from: string;
  to: string;
}

export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({ actorType: '', entityType: '', from: '', to: '' });
  const [rows, setRows] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  // Names for the ids of portal users (actors and objects); unknown ids stay short ids.
  const lookup = useLoad(loadLookup, []);
  const name = (id: string | null) => (id ? lookup.data?.member(id)?.name : undefined);
  const containerName = (id: string | null) =>
    id ? lookup.data?.containers.find((c) => c.id === id)?.name : undefined;
  const load = async (f: Filters, after: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api<Page<AuditEntry>>(
        'GET',
        '/v1/group/audit' +
          query({
            actorType: f.actorType,
            entityType: f.entityType.trim(),
            from: f.from ? new Date(f.from).toISOString() : undefined,
            to: f.to ? new Date(f.to).toISOString() : undefined,
            limit: 50,
            cursor: after,
          }),
      );
      setRows((prev) => (after && prev ? [...prev, ...page.data] : page.data));
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(filters, null); // again whenever a filter changes
  }, [filters]);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [k]: e.target.value }));
  return (
    <section>
      <PageHeader title="Audit log" />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Actor
          <select value={filters.actorType} onChange={set('actorType')}>
            <option value="">Anyone</option>
            <option value="PORTAL_USER">Portal user</option>
            <option value="VENDOR_KEY">Vendor</option>
            <option value="OPERATOR">Operator</option>
            <option value="DEVICE">Device</option>
            <option value="SYSTEM">System</option>
          </select>
        </label>
        <label>
          Object
          <select value={filters.entityType} onChange={set('entityType')}>
            <option value="">Anything</option>
            <option value="user">User</option>
            <option value="group">Group</option>
            <option value="container">Container</option>
            <option value="device">Device</option>
            <option value="seat_lease">Session</option>
            <option value="license">License</option>
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={filters.from} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" value={filters.to} onChange={set('to')} />
        </label>
      </form>
      <ErrorBanner error={error} onRetry={() => void load(filters, null)} />
      {rows === null ? (
        <p className="muted loading" role="status">
          Loading…
        </p>
      ) : rows.length === 0 ? (
        <p className="empty">No entries match these filters.</p>
      ) : (
        <>
          <Table
            caption="Audit entries"
            rows={rows}
            rowKey={(r) => r.id}
            columns={[
              { label: 'When', render: (r) => fmtDateTime(r.createdAt) },
              { label: 'Action', render: (r) => <code>{r.action}</code> },
              {
                label: 'Actor',
                render: (r) =>
                  (r.actorType === 'PORTAL_USER' && name(r.actorId)) ||
                  `${r.actorType.toLowerCase().replace('_', ' ')}${r.actorId ? ` …${r.actorId.slice(-6)}` : ''}`,
              },
              {
                label: 'Object',
                render: (r) =>
                  (r.entityType === 'user' && name(r.entityId) && `user ${name(r.entityId)}`) ||
                  (r.entityType === 'container' &&
                    containerName(r.entityId) &&
                    `container ${containerName(r.entityId)}`) ||
                  `${r.entityType.replace('_', ' ')}${r.entityId ? ` …${r.entityId.slice(-6)}` : ''}`,
              },
              { label: 'Change', render: (r) => <Change before={r.before} after={r.after} /> },
            ]}
          />
          {cursor && (
            <button type="button" className="secondary" disabled={loading} onClick={() => void load(filters, cursor)}>
              {loading ? 'Loading…' : 'Load more entries'}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function Change({ before, after }: { before: unknown; after: unknown }) {
  if (!before && !after) return <span className="muted">—</span>;
  return (
    <details>
      <summary>details</summary>
      <pre className="json">{JSON.stringify({ before, after }, null, 2)}</pre>
    </details>
  );
}
