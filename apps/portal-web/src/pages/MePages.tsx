// Every user's own pages: my containers, my devices (deactivate), my account.
import { FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { all, api, auth, logout } from '../api';
import { useAuth } from '../use-auth';
import { Async, ErrorBanner, Notice, PageHeader, useLoad } from '../components';
import { fmtDateTime } from '../format';
import type { Container, Device, User } from '../types';
import { DevicesTable } from './DevicesPage';
import { LicenseTable } from './shared';

export function MyContainersPage() {
  const state = useLoad(() => all<Container>('/v1/me/containers'), []);
  return (
    <section>
      <PageHeader title="My containers" />
      <p className="muted">
        The licenses assigned to you personally. Each can run on a limited number of your devices.
      </p>
      <Async
        state={state}
        empty="Nothing is assigned to you personally. Ask your group admin if you expected a license here."
      >
        {(containers) =>
          containers.map((c) => (
            <article key={c.id} className="card">
              <header className="card-header">
                <h2>{c.name}</h2>
                <span className="badge">up to {c.deviceLimit} devices</span>
                {c.accessRevokedAt && <span className="badge badge-revoked">access revoked</span>}
              </header>
              {c.licenses.length ? <LicenseTable licenses={c.licenses} /> : <p className="empty">No licenses.</p>}
            </article>
          ))
        }
      </Async>
    </section>
  );
}

export function MyDevicesPage() {
  const [notice, setNotice] = useState<string | null>(null);
  const state = useLoad(async () => {
    const [devices, containers] = await Promise.all([
      all<Device>('/v1/me/devices'),
      all<Container>('/v1/me/containers'),
    ]);
    return { devices, containers };
  }, []);
  return (
    <section>
      <PageHeader title="My devices" />
      <p className="muted">Moving to a new computer? Deactivate the old one here first to free its slot.</p>
      {notice && <Notice>{notice}</Notice>}
      <Async state={state} isEmpty={(d) => d.devices.length === 0} empty="None of your devices is activated.">
        {(d) => (
          <DevicesTable
            devices={d.devices}
            containerName={(id) => d.containers.find((c) => c.id === id)?.name ?? id}
            deactivatePath={(dev) => `/v1/me/devices/${dev.id}/deactivate`}
            onDeactivated={(dev) => {
              setNotice(`${dev.name} is deactivated; its slot is free.`);
              state.reload();
            }}
          />
        )}
      </Async>
    </section>
  );
}

export function MyAccountPage() {
  const { vendor } = useAuth();
  const navigate = useNavigate();
  const state = useLoad(() => api<User>('GET', '/v1/me'), []);
  return (
    <section>
      <PageHeader title="My account" />
      <Async state={state}>
        {(me) => (
          <>
            <dl className="facts">
              <div>
                <dt>Email</dt>
                <dd>{me.email}</dd>
              </div>
              <div>
                <dt>Role</dt>
                <dd>{me.role === 'ADMIN' ? 'Group admin' : me.role === 'MEMBER' ? 'Member' : 'No group'}</dd>
              </div>
              <div>
                <dt>Vendor</dt>
                <dd>{vendor}</dd>
              </div>
              <div>
                <dt>Member since</dt>
                <dd>{fmtDateTime(me.createdAt)}</dd>
              </div>
            </dl>
            <NameForm me={me} onSaved={state.reload} />
            <div className="card">
              <h2>Password</h2>
              <p>To change your password, we send you a reset link. Every login of your account ends when it is set.</p>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  void logout().then(() => navigate(`/password-reset?vendor=${encodeURIComponent(vendor ?? '')}`));
                }}
              >
                Change password…
              </button>
            </div>
          </>
        )}
      </Async>
    </section>
  );
}

function NameForm({ me, onSaved }: { me: User; onSaved: () => void }) {
  const id = useId();
  const [name, setName] = useState(me.name);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const user = await api<User>('PATCH', '/v1/me', { name: name.trim() });
      auth.updateUser({ name: user.name });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor={id}>Name</label>
        <input
          id={id}
          required
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="name"
        />
      </div>
      <ErrorBanner error={error} />
      {saved && <Notice>Saved.</Notice>}
      <button type="submit">Save</button>
    </form>
  );
}
