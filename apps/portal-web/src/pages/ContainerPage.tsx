// One container: its licenses, who uses it now, its devices, and the admin's tools: update now,
// credentials reset (the new secret is shown once), reserved seats and seat moves (network
// containers) and offline activation by code exchange.
import { FormEvent, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { all, api } from '../api';
import {
  Async,
  ConfirmButton,
  CopyField,
  ErrorBanner,
  Notice,
  PageHeader,
  SecretDialog,
  useAction,
  useLoad,
} from '../components';
import { fmtDateTime } from '../format';
import type { Container, Device, OfflineResult, LiveLease } from '../types';
import { DevicesTable } from './DevicesPage';
import { ReservationsSection, SeatMoveForm } from './SeatAdmin';
import { loadLookup } from '../group-lookup';
import { SessionsTable } from './SessionsPage';
import { LicenseTable } from './shared';

export function ContainerPage() {
  const { containerId = '' } = useParams();
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const state = useLoad(async () => {
    const [container, lookup, sessions, devices] = await Promise.all([
      api<Container>('GET', `/v1/group/containers/${containerId}`),
      loadLookup(),
      all<LiveLease>('/v1/group/sessions', { containerId }),
      all<Device>(`/v1/group/containers/${containerId}/devices`),
    ]);
    const inUse = new Map<string, number>();
    for (const s of sessions) inUse.set(s.licenseId, (inUse.get(s.licenseId) ?? 0) + 1);
    return { container, lookup, sessions, devices, inUse };
  }, [containerId]);
  const updateNow = async () => {
    setNotice(null);
    const res = await api<{ revision: number }>('POST', `/v1/group/containers/${containerId}/update-now`);
    setNotice(`Programs on this container were told to fetch their license now (revision ${res.revision}).`);
  };
  return (
    <section>
      <p className="crumbs">
        <Link to="/group">Dashboard</Link> ›
      </p>
      <Async state={state}>
        {({ container, lookup, sessions, devices, inUse }) => (
          <>
            <PageHeader title={container.name}>
              <UpdateNowButton onRun={updateNow} />
              <ConfirmButton
                label="Reset credentials"
                className="danger"
                title="Reset the access secret?"
                message={
                  <p>
                    The current secret (<code>lhc_{container.credentialPrefix}_…</code>) stops working at once. Programs
                    keep their activation but need the new secret to connect again.
                  </p>
                }
                confirmLabel="Reset credentials"
                onConfirm={async () => {
                  const res = await api<{ secret: string }>(
                    'POST',
                    `/v1/group/containers/${containerId}/credentials/reset`,
                  );
                  setSecret(res.secret);
                  state.reload();
                }}
              />
            </PageHeader>
            <dl className="facts">
              <div>
                <dt>Kind</dt>
                <dd>
                  {container.kind === 'ENTERPRISE'
                    ? 'Network: concurrent seats'
                    : `Personal: up to ${container.deviceLimit} devices`}
                </dd>
              </div>
              {container.userId && (
                <div>
                  <dt>Assigned to</dt>
                  <dd>{lookup.member(container.userId)?.name ?? container.userId}</dd>
                </div>
              )}
              <div>
                <dt>Access secret</dt>
                <dd>
                  <code>lhc_{container.credentialPrefix}_…</code> (version {container.credentialVersion})
                </dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{fmtDateTime(container.createdAt)}</dd>
              </div>
            </dl>
            {notice && <Notice>{notice}</Notice>}
            <h2>Licenses</h2>
            {container.licenses.length ? (
              <LicenseTable
                licenses={container.licenses}
                inUse={container.kind === 'ENTERPRISE' ? inUse : undefined}
                usageLinks
              />
            ) : (
              <p className="empty">No licenses.</p>
            )}
            <h2>Sessions now</h2>
            {sessions.length ? (
              <SessionsTable
                sessions={sessions}
                lookup={lookup}
                onStopped={() => {
                  setNotice('Session stopped; the seat is free.');
                  state.reload();
                }}
              />
            ) : (
              <p className="empty">Nobody uses this container right now.</p>
            )}
            {(container.kind === 'PERSONAL' || devices.length > 0) && (
              <>
                <h2>Devices</h2>
                {devices.length ? (
                  <DevicesTable
                    devices={devices}
                    deactivatePath={(d) => `/v1/group/devices/${d.id}/deactivate`}
                    onDeactivated={(d) => {
                      setNotice(`${d.name} is deactivated.`);
                      state.reload();
                    }}
                  />
                ) : (
                  <p className="empty">No devices are activated.</p>
                )}
              </>
            )}
            {container.kind === 'ENTERPRISE' && container.licenses.length > 0 && (
              <>
                <ReservationsSection container={container} lookup={lookup} />
                <SeatMoveForm container={container} containers={lookup.containers} onMoved={state.reload} />
              </>
            )}
            <OfflineActivation container={container} onDone={state.reload} />
            <SecretDialog title="New access secret" secret={secret} onClose={() => setSecret(null)}>
              <p>Enter it in the program's settings on each computer that uses {container.name}.</p>
            </SecretDialog>
          </>
        )}
      </Async>
    </section>
  );
}

function UpdateNowButton({ onRun }: { onRun: () => Promise<void> }) {
  const { busy, error, run } = useAction();
  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={() => void run(onRun)}>
        Update now
      </button>
      <ErrorBanner error={error} />
    </>
  );
}

function OfflineActivation({ container, onDone }: { container: Container; onDone: () => void }) {
  const id = useId();
  const [code, setCode] = useState('');
  const [licenseId, setLicenseId] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const [borrowUntil, setBorrowUntil] = useState('');
  const [result, setResult] = useState<OfflineResult | null>(null);
  const { busy, error, run: act } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    await act(async () => {
      const res = await api<OfflineResult>('POST', `/v1/group/containers/${container.id}/offline-activations`, {
        code,
        ...(licenseId ? { licenseId } : {}),
        ...(deviceName.trim() ? { deviceName: deviceName.trim() } : {}),
        ...(borrowUntil ? { borrowUntil: new Date(borrowUntil).toISOString() } : {}),
      });
      setResult(res);
      onDone();
    });
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Offline activation</h2>
      <p className="muted">
        For a computer without internet: paste the request code (or release code) the program shows, then type the
        response code into the program.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-code`}>Request code</label>
          <textarea
            id={`${id}-code`}
            className="mono"
            rows={3}
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
            placeholder="XXXXX-XXXXX-…"
          />
        </div>
        <div className="row">
          {container.licenses.length > 1 && (
            <div className="field">
              <label htmlFor={`${id}-license`}>License</label>
              <select id={`${id}-license`} value={licenseId} onChange={(e) => setLicenseId(e.target.value)}>
                <option value="">The one the program asks for</option>
                {container.licenses.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.product.name} ({l.features.join(', ') || 'base'}) × {l.quantity}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor={`${id}-device`}>Device name (optional)</label>
            <input
              id={`${id}-device`}
              value={deviceName}
              maxLength={200}
              onChange={(e) => setDeviceName(e.target.value)}
              placeholder="Test bench 4"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-borrow`}>Borrow until (borrow codes only)</label>
            <input
              id={`${id}-borrow`}
              type="datetime-local"
              value={borrowUntil}
              onChange={(e) => setBorrowUntil(e.target.value)}
            />
          </div>
        </div>
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Working…' : 'Get response code'}
        </button>
      </form>
      {result && (
        <div className="result" role="status">
          {result.responseCode ? (
            <>
              <CopyField
                value={result.responseCode}
                label="Response code: type or paste it into the program"
                multiline
              />
              <p className="muted">
                {result.kind === 'borrow' ? 'Borrowed' : 'Activated'}
                {result.device ? ` as ${result.device.name}` : ''}, valid until{' '}
                {result.validUntil ? fmtDateTime(result.validUntil) : 'the license ends'}.
              </p>
            </>
          ) : (
            <Notice>
              The release code is accepted: the device's slot is free
              {result.returnedLeases.length ? ` and ${result.returnedLeases.length} seat(s) returned` : ''}.
            </Notice>
          )}
        </div>
      )}
    </section>
  );
}
