// The group admin's seat tools: who waits for a seat, seats reserved for members, seats
// moved between the group's network containers, and the group's borrowing switch. Every refusal
// of the API (SEATS_IN_USE, RESERVATIONS_EXCEED_QUANTITY, …) is shown as it comes, with its code.
import { FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api';
import { Async, ConfirmButton, ErrorBanner, Notice, Table, useAction, useLoad } from '../components';
import { fmtDateTime, fmtDuration } from '../format';
import type { Container, GroupBorrowing, Reservation, ReservationBody, SeatMove, SeatQueueEntry } from '../types';
import type { GroupLookup } from '../group-lookup';

const shortFingerprint = (fingerprint: string) => `…${fingerprint.slice(-8)}`;

/** Programs waiting for a seat, in the order they get one (a HELD entry has a freed seat held for it). */
export function SeatQueueTable({ entries, lookup }: { entries: SeatQueueEntry[]; lookup: GroupLookup }) {
  const now = Date.now();
  return (
    <Table
      caption="Waiting for a seat"
      rows={entries}
      rowKey={(e) => e.id}
      columns={[
        {
          label: 'Who',
          render: (e) => (
            <strong>{[lookup.member(e.userId)?.name, e.clientName].filter(Boolean).join(' · ') || 'unknown'}</strong>
          ),
        },
        { label: 'Device', render: (e) => <span title={e.fingerprint}>{shortFingerprint(e.fingerprint)}</span> },
        { label: 'License', render: (e) => lookup.license(e.licenseId)?.product.name ?? e.licenseId },
        {
          label: 'Status',
          render: (e) =>
            e.status === 'HELD' ? (
              <span className="badge badge-warn">seat held until {fmtDateTime(e.expiresAt)}</span>
            ) : (
              <span className="badge">waiting, #{e.position}</span>
            ),
        },
        {
          label: 'Waiting for',
          render: (e) => (
            <span title={fmtDateTime(e.queuedAt)}>{fmtDuration(now - new Date(e.queuedAt).getTime())}</span>
          ),
        },
      ]}
    />
  );
}

interface LicenseReservations {
  licenseId: string;
  product: string;
  quantity: number;
  reservations: Reservation[];
}

/** Seats of the container's licenses reserved for members: list, reserve, delete. */
export function ReservationsSection({ container, lookup }: { container: Container; lookup: GroupLookup }) {
  const id = useId();
  const [notice, setNotice] = useState<string | null>(null);
  const state = useLoad(
    () =>
      Promise.all(
        container.licenses.map(async (l): Promise<LicenseReservations> => {
          const list = await api<{ data: Reservation[] }>('GET', `/v1/group/licenses/${l.id}/reservations`);
          return {
            licenseId: l.id,
            product: `${l.product.name}${l.features.length ? ` (${l.features.join(', ')})` : ''}`,
            quantity: l.quantity,
            reservations: list.data,
          };
        }),
      ),
    [container.id],
  );
  const rows = (state.data ?? []).flatMap((l) => l.reservations.map((r) => ({ ...r, product: l.product })));
  const names = (userIds: string[]) => userIds.map((u) => lookup.member(u)?.name ?? u);
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Reserved seats</h2>
      <p className="muted">
        Seats kept free for chosen members (for example a night shift): others cannot take them, the chosen members
        always can.
      </p>
      {notice && <Notice>{notice}</Notice>}
      <Async state={state}>
        {(licenses) => (
          <>
            {rows.length ? (
              <Table
                caption="Reservations"
                rows={rows}
                rowKey={(r) => r.id}
                columns={[
                  { label: 'License', render: (r) => r.product },
                  { label: 'Name', render: (r) => <strong>{r.name}</strong> },
                  { label: 'Seats', render: (r) => `${r.inUse} of ${r.seats} in use` },
                  {
                    label: 'For',
                    render: (r) =>
                      names(r.userIds).map((n) => (
                        <span key={n} className="chip">
                          {n}
                        </span>
                      )),
                  },
                  {
                    label: 'Action',
                    render: (r) => (
                      <ConfirmButton
                        label={
                          <>
                            Delete<span className="visually-hidden"> reservation {r.name}</span>
                          </>
                        }
                        title="Delete this reservation?"
                        message={
                          <p>
                            The {r.seats} seat(s) of <strong>{r.name}</strong> become free for everyone. Seats in use
                            stay in use.
                          </p>
                        }
                        confirmLabel="Delete reservation"
                        onConfirm={async () => {
                          await api('DELETE', `/v1/group/licenses/${r.licenseId}/reservations/${r.id}`);
                          setNotice(`Deleted the reservation ${r.name}.`);
                          state.reload();
                        }}
                      />
                    ),
                  },
                ]}
              />
            ) : (
              <p className="empty">No seats are reserved.</p>
            )}
            <ReservationForm
              licenses={licenses}
              lookup={lookup}
              onCreated={(r) => {
                setNotice(`Reserved ${r.seats} seat(s) for ${names(r.userIds).join(', ')} (${r.name}).`);
                state.reload();
              }}
            />
          </>
        )}
      </Async>
    </section>
  );
}

function ReservationForm({
  licenses,
  lookup,
  onCreated,
}: {
  licenses: LicenseReservations[];
  lookup: GroupLookup;
  onCreated: (r: Reservation) => void;
}) {
  const id = useId();
  const [licenseId, setLicenseId] = useState(licenses[0]?.licenseId ?? '');
  const [name, setName] = useState('');
  const [seats, setSeats] = useState('1');
  const [userIds, setUserIds] = useState<string[]>([]);
  const { busy, error, run: act } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(async () => {
      const body: ReservationBody = { name: name.trim(), seats: Number(seats), userIds };
      const created = await api<Reservation>('POST', `/v1/group/licenses/${licenseId}/reservations`, body);
      setName('');
      setSeats('1');
      setUserIds([]);
      onCreated(created);
    });
  };
  const license = licenses.find((l) => l.licenseId === licenseId);
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Reserve seats</h3>
      <div className="row">
        {licenses.length > 1 && (
          <div className="field">
            <label htmlFor={`${id}-license`}>License</label>
            <select id={`${id}-license`} value={licenseId} onChange={(e) => setLicenseId(e.target.value)}>
              {licenses.map((l) => (
                <option key={l.licenseId} value={l.licenseId}>
                  {l.product} × {l.quantity}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-name`}>Reservation name</label>
          <input
            id={`${id}-name`}
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Night shift"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-seats`}>Seats to reserve</label>
          <input
            id={`${id}-seats`}
            type="number"
            required
            min={1}
            max={license?.quantity}
            value={seats}
            onChange={(e) => setSeats(e.target.value)}
          />
        </div>
      </div>
      <fieldset className="field">
        <legend>Reserved for</legend>
        {lookup.members.length ? (
          lookup.members.map((m) => (
            <label key={m.id} className="check">
              <input
                type="checkbox"
                checked={userIds.includes(m.id)}
                onChange={(e) =>
                  setUserIds((ids) => (e.target.checked ? [...ids, m.id] : ids.filter((u) => u !== m.id)))
                }
              />{' '}
              {m.name} <span className="muted">{m.email}</span>
            </label>
          ))
        ) : (
          <p className="empty">Your group has no members yet.</p>
        )}
      </fieldset>
      <ErrorBanner error={error} />
      <button type="submit" disabled={busy || userIds.length === 0}>
        {busy ? 'Working…' : 'Reserve seats'}
      </button>
    </form>
  );
}

/** Moves seats of this container's license (of a purchase) to another network container of the group. */
export function SeatMoveForm({
  container,
  containers,
  onMoved,
}: {
  container: Container;
  containers: Container[];
  onMoved: () => void;
}) {
  const id = useId();
  const targets = containers.filter((c) => c.kind === 'ENTERPRISE' && c.id !== container.id);
  const [licenseId, setLicenseId] = useState(container.licenses[0]?.id ?? '');
  const [toContainerId, setToContainerId] = useState(targets[0]?.id ?? '');
  const [seats, setSeats] = useState('1');
  const { busy, error, run: act } = useAction();
  const [result, setResult] = useState<string | null>(null);
  if (!container.licenses.length || !targets.length) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    await act(async () => {
      const moved = await api<SeatMove>('POST', '/v1/group/seat-moves', {
        fromLicenseId: licenseId,
        toContainerId,
        seats: Number(seats),
      });
      const target = targets.find((c) => c.id === moved.to.containerId)?.name ?? moved.to.containerId;
      setResult(
        `Moved ${moved.seats} seat(s) to ${target}: ${container.name} now has ${moved.from.quantity}, ${target} has ${moved.to.quantity}.`,
      );
      onMoved();
    });
  };
  const movable =
    error instanceof ApiError && error.code === 'SEATS_IN_USE' && typeof error.details?.['movable'] === 'number'
      ? (error.details['movable'] as number)
      : null;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Move seats</h2>
      <p className="muted">
        Give seats of this container to another installation of your group. The seats you bought stay the same in total;
        seats in use cannot move.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <div className="row">
          <div className="field">
            <label htmlFor={`${id}-license`}>License</label>
            <select id={`${id}-license`} value={licenseId} onChange={(e) => setLicenseId(e.target.value)}>
              {container.licenses.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.product.name} ({l.features.join(', ') || 'base'}) × {l.quantity}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To container</label>
            <select id={`${id}-to`} value={toContainerId} onChange={(e) => setToContainerId(e.target.value)}>
              {targets.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-seats`}>Seats to move</label>
            <input
              id={`${id}-seats`}
              type="number"
              required
              min={1}
              value={seats}
              onChange={(e) => setSeats(e.target.value)}
            />
          </div>
        </div>
        <ErrorBanner error={error} />
        {movable !== null && (
          <p className="muted">At most {movable} seat(s) of this license are free to move right now.</p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Working…' : 'Move seats'}
        </button>
      </form>
      {result && <Notice>{result}</Notice>}
    </section>
  );
}

/** The group's switch for borrowing seats (offline use) on all its containers. */
export function BorrowingSwitch() {
  const id = useId();
  const state = useLoad(() => api<GroupBorrowing>('GET', '/v1/group/borrowing'), []);
  const { busy, error, run: act } = useAction();
  const set = async (borrowingAllowed: boolean) => {
    await act(async () => {
      await api<GroupBorrowing>('PUT', '/v1/group/borrowing', { borrowingAllowed });
      state.reload();
    });
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Borrowing seats</h2>
      <Async state={state}>
        {(b) => (
          <>
            <p role="status">
              {b.borrowingAllowed
                ? 'Programs of your group may borrow a seat for offline use (where the license allows it).'
                : 'Borrowing is switched off for your group: new borrows are refused; borrows already made run to their end.'}
            </p>
            <ErrorBanner error={error} />
            <button
              type="button"
              className={b.borrowingAllowed ? 'danger' : ''}
              disabled={busy}
              onClick={() => void set(!b.borrowingAllowed)}
            >
              {busy ? 'Working…' : b.borrowingAllowed ? 'Switch borrowing off' : 'Allow borrowing'}
            </button>
          </>
        )}
      </Async>
    </section>
  );
}
