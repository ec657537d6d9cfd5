// Live sessions of the group (who holds a seat, on which device, since when) with Stop, and the
// programs waiting for a seat (the wait queue).
import { useMemo, useState } from 'react';
import { all, api } from '../api';
import { Async, ConfirmButton, Notice, PageHeader, Table, useLoad } from '../components';
import { fmtAgo, fmtDateTime, fmtDuration } from '../format';
import { deviceLabel, GroupLookup, loadLookup, who } from '../group-lookup';
import type { LiveLease, SeatQueueEntry } from '../types';
import { SeatQueueTable } from './SeatAdmin';

export function SessionsTable({
  sessions,
  lookup,
  onStopped,
}: {
  sessions: LiveLease[];
  lookup: GroupLookup;
  onStopped: (s: LiveLease) => void;
}) {
  const now = Date.now();
  return (
    <Table
      caption="Live sessions"
      rows={sessions}
      rowKey={(s) => s.id}
      columns={[
        { label: 'Who', render: (s) => <strong>{who(s, lookup)}</strong> },
        { label: 'Device', render: (s) => <span title={s.fingerprint}>{deviceLabel(s)}</span> },
        { label: 'License', render: (s) => lookup.license(s.licenseId)?.product.name ?? s.licenseId },
        {
          label: 'Since',
          render: (s) => (
            <span title={fmtDateTime(s.startedAt)}>{fmtDuration(now - new Date(s.startedAt).getTime())}</span>
          ),
        },
        {
          label: 'Last heartbeat',
          render: (s) => <span title={fmtDateTime(s.lastHeartbeatAt)}>{fmtAgo(s.lastHeartbeatAt, now)}</span>,
        },
        {
          label: 'Borrowed until',
          render: (s) => (s.borrowed ? fmtDateTime(s.borrowUntil) : <span className="muted">—</span>),
        },
        {
          label: 'Action',
          render: (s) =>
            s.borrowed ? (
              <span className="muted" title="A borrowed seat ends when it is returned or at its borrow end">
                borrowed
              </span>
            ) : (
              <ConfirmButton
                label={
                  <>
                    Stop
                    <span className="visually-hidden">
                      {' '}
                      session of {who(s, lookup)} on {deviceLabel(s)}
                    </span>
                  </>
                }
                title="Stop this session?"
                message={
                  <p>
                    The seat of <strong>{who(s, lookup)}</strong> on <strong>{deviceLabel(s)}</strong> is freed now. The
                    program is told at its next heartbeat and unsaved work there may be lost.
                  </p>
                }
                confirmLabel="Stop session"
                onConfirm={async () => {
                  await api('POST', `/v1/group/sessions/${s.id}/stop`);
                  onStopped(s);
                }}
              />
            ),
        },
      ]}
    />
  );
}

export function SessionsPage() {
  const [filter, setFilter] = useState('');
  const [stopped, setStopped] = useState<string | null>(null);
  const state = useLoad(
    async () => {
      const [lookup, sessions, queue] = await Promise.all([
        loadLookup(),
        all<LiveLease>('/v1/group/sessions'),
        all<SeatQueueEntry>('/v1/group/sessions/queue'),
      ]);
      return { lookup, sessions, queue };
    },
    [],
    10_000,
  );
  const shown = useMemo(() => {
    if (!state.data) return [];
    const f = filter.trim().toLowerCase();
    const { sessions, lookup } = state.data;
    if (!f) return sessions;
    return sessions.filter((s) =>
      [who(s, lookup), deviceLabel(s), s.fingerprint, lookup.license(s.licenseId)?.product.name ?? ''].some((v) =>
        v.toLowerCase().includes(f),
      ),
    );
  }, [state.data, filter]);
  return (
    <section>
      <PageHeader title="Sessions">
        <input
          type="search"
          aria-label="Find a person, device or product"
          placeholder="Find a person, device or product"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <button type="button" className="secondary" onClick={state.reload}>
          Refresh
        </button>
      </PageHeader>
      <p className="muted">Seats held right now. The list refreshes every 10 seconds.</p>
      {stopped && <Notice>{stopped}</Notice>}
      <Async state={state}>
        {(d) => (
          <>
            {shown.length ? (
              <SessionsTable
                sessions={shown}
                lookup={d.lookup}
                onStopped={(s) => {
                  setStopped(`Stopped the session of ${who(s, d.lookup)} on ${deviceLabel(s)}. The seat is free.`);
                  state.reload();
                }}
              />
            ) : d.sessions.length ? (
              <p className="empty">No session matches “{filter}”.</p>
            ) : (
              <p className="empty">Nobody holds a seat right now.</p>
            )}
            <h2>Waiting for a seat</h2>
            {d.queue.length ? (
              <>
                <p className="muted">
                  In the order they get a seat: a freed seat is held for the first for a minute, then passes on.
                </p>
                <SeatQueueTable entries={d.queue} lookup={d.lookup} />
              </>
            ) : (
              <p className="empty">No program is waiting for a seat.</p>
            )}
          </>
        )}
      </Async>
    </section>
  );
}
