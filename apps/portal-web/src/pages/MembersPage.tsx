// Members of the group: invite, change role, remove, re-invite.
import { FormEvent, useId, useState } from 'react';
import { all, api, auth } from '../api';
import { useAuth } from '../use-auth';
import {
  Async,
  ConfirmButton,
  ErrorBanner,
  Notice,
  PageHeader,
  StatusBadge,
  Table,
  useAction,
  useLoad,
} from '../components';
import { fmtDateTime } from '../format';
import type { Role, User } from '../types';

export function MembersPage() {
  const me = useAuth().user;
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const { error, run } = useAction();
  const state = useLoad(
    () => all<User>('/v1/group/members', { search: search.trim() || undefined, status: status || undefined }),
    [search, status],
  );
  const act = async (fn: () => Promise<string>) => {
    setNotice(null);
    await run(async () => {
      setNotice(await fn());
      state.reload();
    });
  };
  return (
    <section>
      <PageHeader title="Members" />
      <InviteForm
        onInvited={(invited, expires) => {
          setNotice(
            `Invitation for ${invited} is on its way: your vendor sends the link (unless the address already has an account), and it works until ${fmtDateTime(expires)}.`,
          );
          state.reload();
        }}
      />
      <div className="filters">
        <input
          type="search"
          aria-label="Search by name or email"
          placeholder="Search by name or email"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any status</option>
          <option value="ACTIVE">Active</option>
          <option value="INVITED">Invited</option>
          <option value="DISABLED">Disabled</option>
        </select>
      </div>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBanner error={error} />
      <Async state={state} empty={search || status ? 'No member matches.' : 'No members yet.'}>
        {(members) => (
          <Table
            caption="Members"
            rows={members}
            rowKey={(u) => u.id}
            columns={[
              {
                label: 'Name',
                render: (u) => (
                  <>
                    <strong>{u.name}</strong>
                    {u.id === me?.id && <span className="muted"> (you)</span>}
                  </>
                ),
              },
              { label: 'Email', render: (u) => u.email },
              { label: 'Status', render: (u) => <StatusBadge value={u.status} /> },
              {
                label: 'Role',
                render: (u) => (
                  <select
                    aria-label={`Role of ${u.name}`}
                    value={u.role ?? 'MEMBER'}
                    onChange={(e) => {
                      const role = e.target.value as Role;
                      void act(async () => {
                        await api('PATCH', `/v1/group/members/${u.id}`, { role });
                        if (u.id === me?.id) auth.updateUser({ role }); // an admin who made themself a member loses the group pages
                        return `${u.name} is now ${role === 'ADMIN' ? 'an admin' : 'a member'}.`;
                      });
                    }}
                  >
                    <option value="MEMBER">Member</option>
                    <option value="ADMIN">Admin</option>
                  </select>
                ),
              },
              {
                label: 'Actions',
                render: (u) => (
                  <span className="actions-inline">
                    {u.status === 'INVITED' && (
                      <button
                        type="button"
                        className="secondary small"
                        onClick={() =>
                          void act(async () => {
                            const res = await api<{ invitationExpiresAt: string }>(
                              'POST',
                              `/v1/group/members/${u.id}/invitation`,
                            );
                            return `A new invitation for ${u.email} is on its way (valid until ${fmtDateTime(res.invitationExpiresAt)}); earlier links stop working.`;
                          })
                        }
                      >
                        Re-invite<span className="visually-hidden"> {u.email}</span>
                      </button>
                    )}
                    <ConfirmButton
                      label={
                        <>
                          Remove<span className="visually-hidden"> {u.email}</span>
                        </>
                      }
                      title={`Remove ${u.name} from the group?`}
                      message={
                        <p>
                          {u.email} loses access at once: their sessions end, their personal containers stop working and
                          their seats are released.
                        </p>
                      }
                      confirmLabel="Remove member"
                      onConfirm={async () => {
                        await api('DELETE', `/v1/group/members/${u.id}`);
                        setNotice(`${u.email} was removed from the group.`);
                        state.reload();
                      }}
                    />
                  </span>
                ),
              },
            ]}
          />
        )}
      </Async>
    </section>
  );
}

function InviteForm({ onInvited }: { onInvited: (email: string, expires: string) => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const { busy, error, run: act } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(async () => {
      // The answer names the invited email (older portals answered the created user instead).
      const res = await api<{ email?: string; user?: User; invitationExpiresAt: string }>('POST', '/v1/group/members', {
        email: email.trim(),
        name: name.trim(),
        role,
      });
      const invited = res.email ?? res.user?.email ?? email.trim();
      setEmail('');
      setName('');
      setRole('MEMBER');
      onInvited(invited, res.invitationExpiresAt);
    });
  };
  return (
    <form className="card invite" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-t`}>
      <h2 id={`${id}-t`}>Invite someone</h2>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            required
            maxLength={320}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="MEMBER">Member</option>
            <option value="ADMIN">Admin</option>
          </select>
        </div>
        <div className="field end">
          <button type="submit" disabled={busy}>
            {busy ? 'Inviting…' : 'Send invitation'}
          </button>
        </div>
      </div>
      <ErrorBanner error={error} />
    </form>
  );
}
