// Usage of one license: peak concurrent seats over time against the licensed quantity (hour, day or
// week buckets), seat-hours and refused checkouts (NO_SEAT_AVAILABLE); who holds its seats now; and
// the seat history of the range (live and ended leases), each with CSV export.
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { all, api, apiDownload, query, saveFile } from '../api';
import { Async, PageHeader, Table, useLoad } from '../components';
import { fmtDateTime, fmtDuration, fmtHours } from '../format';
import type { LeaseHistoryEntry, LiveLease, UsageHistory } from '../types';
import { deviceLabel, loadLookup, who } from '../group-lookup';
import { SeatMeter } from './shared';
import { ChartPoint, UsageChart } from './UsageChart';

type Range = 'hour' | 'day' | 'week';
const RANGES: Record<Range, { label: string; granularity: 'hour' | 'day'; spanMs: number }> = {
  hour: { label: 'Last 48 hours, by hour', granularity: 'hour', spanMs: 48 * 3_600_000 },
  day: { label: 'Last 30 days, by day', granularity: 'day', spanMs: 30 * 86_400_000 },
  week: { label: 'Last 26 weeks, by week', granularity: 'day', spanMs: 26 * 7 * 86_400_000 },
};

/** Daily buckets folded into weeks: the peak is the highest day, hours and refusals add up. */
function toPoints(history: UsageHistory, range: Range): ChartPoint[] {
  const points = history.series.map((p) => ({
    t: new Date(p.start).getTime() / 1000,
    peak: p.peakSeats,
    denials: p.denials,
    seatHours: p.seatHours,
  }));
  if (range !== 'week') return points;
  const weeks: ChartPoint[] = [];
  for (let i = 0; i < points.length; i += 7) {
    const chunk = points.slice(i, i + 7);
    weeks.push({
      t: chunk[0].t,
      peak: Math.max(...chunk.map((p) => p.peak)),
      denials: chunk.reduce((n, p) => n + p.denials, 0),
    });
  }
  return weeks;
}

/** A text cell a spreadsheet would run as a formula gets a leading quote (as the server's CSV export, docs/usage.md). */
const formulaSafe = (v: string | number): string =>
  typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);

export function csv(rows: (string | number)[][]): string {
  return (
    rows
      .map((r) =>
        r
          .map((v) => formulaSafe(v))
          .map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
          .join(','),
      )
      .join('\r\n') + '\r\n'
  );
}

function download(filename: string, text: string) {
  saveFile(filename, new Blob([text], { type: 'text/csv;charset=utf-8' }));
}

export function UsagePage() {
  const { licenseId } = useParams();
  const navigate = useNavigate();
  const [range, setRange] = useState<Range>('hour');
  const lookup = useLoad(loadLookup, []);
  const licenses = useMemo(
    () => lookup.data?.containers.flatMap((c) => c.licenses.map((l) => ({ ...l, containerName: c.name }))) ?? [],
    [lookup.data],
  );
  const selected = licenseId ?? (licenses.length ? licenses[0].id : undefined);
  return (
    <section>
      <PageHeader title="Usage">
        <Async state={lookup} empty="No licenses.">
          {() => (
            <select
              aria-label="License"
              value={selected ?? ''}
              onChange={(e) => void navigate(`/group/usage/${e.target.value}`)}
            >
              {licenses.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.product.name} ({l.features.join(', ') || 'base'}) × {l.quantity} — {l.containerName}
                </option>
              ))}
            </select>
          )}
        </Async>
      </PageHeader>
      <div className="segmented" role="group" aria-label="Range">
        {(Object.keys(RANGES) as Range[]).map((r) => (
          <button
            key={r}
            type="button"
            className={r === range ? 'active' : 'secondary'}
            aria-pressed={r === range}
            onClick={() => setRange(r)}
          >
            {r === 'hour' ? 'Hours' : r === 'day' ? 'Days' : 'Weeks'}
          </button>
        ))}
      </div>
      {selected && lookup.data && (
        <LicenseUsage key={selected} licenseId={selected} range={range} lookup={lookup.data} />
      )}
    </section>
  );
}

function LicenseUsage({
  licenseId,
  range,
  lookup,
}: {
  licenseId: string;
  range: Range;
  lookup: Awaited<ReturnType<typeof loadLookup>>;
}) {
  const license = lookup.license(licenseId);
  const history = useLoad(() => {
    const now = Date.now();
    return api<UsageHistory>(
      'GET',
      `/v1/group/licenses/${licenseId}/usage` +
        query({
          from: new Date(now - RANGES[range].spanMs).toISOString(),
          to: new Date(now).toISOString(),
          granularity: RANGES[range].granularity,
        }),
    );
  }, [licenseId, range]);
  const leases = useLoad(() => {
    const now = Date.now();
    return all<LeaseHistoryEntry>(
      `/v1/group/licenses/${licenseId}/leases`,
      { from: new Date(now - RANGES[range].spanMs).toISOString(), to: new Date(now).toISOString() },
      100,
    );
  }, [licenseId, range]);
  const historyRows = useMemo(
    () =>
      (leases.data ?? []).map((l) => ({
        l,
        ms: l.durationSeconds !== null ? l.durationSeconds * 1000 : Date.now() - new Date(l.startedAt).getTime(),
        who: [l.userName ?? l.userEmail, l.clientName].filter(Boolean).join(' · ') || 'unknown',
        device: l.deviceName ?? `…${l.fingerprint.slice(-8)}`,
      })),
    [leases.data],
  );
  const exportHistory = () =>
    download(
      `seat-history-${license?.product.code ?? licenseId}-${range}.csv`,
      csv([
        [
          'who',
          'email',
          'device',
          'fingerprint',
          'client_name',
          'license',
          'started_at',
          'ended_at',
          'end_reason',
          'duration_minutes',
        ],
        ...historyRows.map((r) => [
          r.who,
          r.l.userEmail ?? '',
          r.device,
          r.l.fingerprint,
          r.l.clientName ?? '',
          license?.product.name ?? licenseId,
          r.l.startedAt,
          r.l.endedAt ?? '',
          r.l.endReason ?? (r.l.live ? 'LIVE' : ''),
          Math.round(r.ms / 60_000),
        ]),
      ]),
    );
  const sessions = useLoad(() => all<LiveLease>('/v1/group/sessions', { licenseId }), [licenseId], 15_000);
  const rows = useMemo(() => {
    const now = Date.now();
    return (sessions.data ?? []).map((s) => ({
      s,
      who: who(s, lookup),
      device: deviceLabel(s),
      ms: now - new Date(s.startedAt).getTime(),
    }));
  }, [sessions.data, lookup]);
  const exportSessions = () =>
    download(
      `sessions-${license?.product.code ?? licenseId}-${new Date().toISOString().slice(0, 16).replace(':', '')}.csv`,
      csv([
        [
          'who',
          'device',
          'fingerprint',
          'license',
          'started_at',
          'minutes_so_far',
          'last_heartbeat_at',
          'borrowed_until',
        ],
        ...rows.map((r) => [
          r.who,
          r.device,
          r.s.fingerprint,
          license?.product.name ?? licenseId,
          r.s.startedAt,
          Math.round(r.ms / 60_000),
          r.s.lastHeartbeatAt,
          r.s.borrowUntil ?? '',
        ]),
      ]),
    );
  const exportSeries = (h: UsageHistory) =>
    download(
      `usage-${license?.product.code ?? licenseId}-${h.granularity}.csv`,
      csv([
        ['bucket_start', 'peak_seats', 'seats_licensed', 'seat_hours', 'refused_checkouts'],
        ...h.series.map((p) => [p.start, p.peakSeats, h.quantity, p.seatHours.toFixed(3), p.denials]),
      ]),
    );
  return (
    <>
      {license && (
        <p>
          <strong>{license.product.name}</strong>{' '}
          {license.features.length > 0 && <span className="muted">({license.features.join(', ')})</span>} on{' '}
          <Link to={`/group/containers/${license.container.id}`}>{license.container.name}</Link> · {RANGES[range].label}
        </p>
      )}
      <Async state={history}>
        {(h) => (
          <>
            <div className="stats">
              <div className="stat">
                <span className="stat-value">
                  {h.totals.peakSeats} / {h.quantity}
                </span>
                <span className="stat-label">Peak seats / licensed</span>
              </div>
              <div className="stat">
                <span className="stat-value">{fmtHours(h.totals.seatHours)}</span>
                <span className="stat-label">Seat-hours</span>
              </div>
              <div className={h.totals.denials ? 'stat alert' : 'stat'}>
                <span className="stat-value">{h.totals.denials}</span>
                <span className="stat-label">Refused checkouts (no seat free)</span>
              </div>
            </div>
            {h.totals.peakSeats === 0 && h.totals.denials === 0 ? (
              <p className="empty">No seat was used in this period.</p>
            ) : null}
            <UsageChart points={toPoints(h, range)} quantity={h.quantity} unit={range} />
            <button type="button" className="secondary small" onClick={() => exportSeries(h)}>
              Export series (CSV)
            </button>
          </>
        )}
      </Async>
      <div className="section-head">
        <h2>Who uses it now</h2>
        <button type="button" className="secondary small" onClick={exportSessions} disabled={!rows.length}>
          Export CSV
        </button>
      </div>
      {license && <SeatMeter used={rows.length} quantity={license.quantity} />}
      <Async state={sessions} empty="Nobody holds a seat of this license right now.">
        {() => (
          <Table
            caption="Who uses which seat"
            rows={rows}
            rowKey={(r) => r.s.id}
            columns={[
              { label: 'Who', render: (r) => <strong>{r.who}</strong> },
              { label: 'Device', render: (r) => <span title={r.s.fingerprint}>{r.device}</span> },
              { label: 'Since', render: (r) => fmtDateTime(r.s.startedAt) },
              { label: 'For', render: (r) => fmtDuration(r.ms) },
              { label: 'Borrowed until', render: (r) => (r.s.borrowed ? fmtDateTime(r.s.borrowUntil) : '—') },
            ]}
          />
        )}
      </Async>
      <div className="section-head">
        <h2>Seat history</h2>
        <button type="button" className="secondary small" onClick={exportHistory} disabled={!historyRows.length}>
          Export history (CSV)
        </button>
        <button
          type="button"
          className="secondary small"
          title="The whole lease history of this license in the period, as the server exports it (all rows, formula-safe)"
          onClick={() => {
            const now = Date.now();
            void apiDownload(
              `/v1/group/lease-history/csv` +
                query({
                  licenseId,
                  from: new Date(now - RANGES[range].spanMs).toISOString(),
                  to: new Date(now).toISOString(),
                }),
              'lease-history.csv',
            );
          }}
        >
          Export full history (CSV)
        </button>
      </div>
      <Async state={leases} empty="No seat of this license was used in this period.">
        {() => (
          <Table
            caption="Who used which seat, on which device, for how long"
            rows={historyRows}
            rowKey={(r) => r.l.id}
            columns={[
              { label: 'Who', render: (r) => <strong>{r.who}</strong> },
              { label: 'Device', render: (r) => <span title={r.l.fingerprint}>{r.device}</span> },
              { label: 'Started', render: (r) => fmtDateTime(r.l.startedAt) },
              { label: 'Ended', render: (r) => (r.l.live ? 'in use' : fmtDateTime(r.l.endedAt)) },
              {
                label: 'How',
                render: (r) => (r.l.live ? '—' : (r.l.endReason ?? '—').toLowerCase().replace('_', ' ')),
              },
              { label: 'For', render: (r) => fmtDuration(r.ms) },
            ]}
          />
        )}
      </Async>
    </>
  );
}
