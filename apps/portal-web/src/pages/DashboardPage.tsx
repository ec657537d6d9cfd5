// Group admin dashboard: every container of the group with its licenses (product, modules,
// quantity, seats in use now, expiry and renewal), and the group's borrowing switch.
import { Link } from 'react-router';
import { all, api } from '../api';
import { Async, PageHeader, useLoad } from '../components';
import type { Container, Group, LiveLease } from '../types';
import { BorrowingSwitch } from './SeatAdmin';
import { LicenseTable } from './shared';

export function DashboardPage() {
  const state = useLoad(
    async () => {
      const [group, containers, sessions] = await Promise.all([
        api<Group>('GET', '/v1/group'),
        all<Container>('/v1/group/containers'),
        all<LiveLease>('/v1/group/sessions'),
      ]);
      const inUse = new Map<string, number>();
      for (const s of sessions) inUse.set(s.licenseId, (inUse.get(s.licenseId) ?? 0) + 1);
      return { group, containers, sessions, inUse };
    },
    [],
    30_000,
  );
  return (
    <section>
      <PageHeader title="Dashboard">
        <button type="button" className="secondary" onClick={state.reload}>
          Refresh
        </button>
      </PageHeader>
      <Async
        state={state}
        isEmpty={(d) => d.containers.length === 0}
        empty="Your group has no containers yet. Your software vendor adds them when you buy licenses."
      >
        {({ group, containers, sessions, inUse }) => (
          <>
            <p className="muted subtitle">{group.name}</p>
            <div className="stats">
              <Stat label="Containers" value={containers.length} />
              <Stat label="Licenses" value={containers.reduce((n, c) => n + c.licenses.length, 0)} />
              <Stat label="Seats in use now" value={sessions.length} link="/group/sessions" />
              <Stat
                label="Seats licensed (network)"
                value={containers
                  .filter((c) => c.kind === 'ENTERPRISE')
                  .reduce((n, c) => n + c.licenses.reduce((m, l) => m + l.quantity, 0), 0)}
              />
            </div>
            {containers.map((c) => (
              <article key={c.id} className="card">
                <header className="card-header">
                  <h2>
                    <Link to={`/group/containers/${c.id}`}>{c.name}</Link>
                  </h2>
                  <span className="badge">{c.kind === 'ENTERPRISE' ? 'Network (seats)' : 'Personal (devices)'}</span>
                  {c.accessRevokedAt && <span className="badge badge-revoked">access revoked</span>}
                </header>
                {c.licenses.length ? (
                  <LicenseTable licenses={c.licenses} inUse={c.kind === 'ENTERPRISE' ? inUse : undefined} usageLinks />
                ) : (
                  <p className="empty">No licenses on this container.</p>
                )}
              </article>
            ))}
            <BorrowingSwitch />
          </>
        )}
      </Async>
    </section>
  );
}

function Stat({ label, value, link }: { label: string; value: number; link?: string }) {
  const body = (
    <>
      <span className="stat-value">{value}</span>
      <span className="stat-label">{label}</span>
    </>
  );
  return link ? (
    <Link to={link} className="stat">
      {body}
    </Link>
  ) : (
    <div className="stat">{body}</div>
  );
}
