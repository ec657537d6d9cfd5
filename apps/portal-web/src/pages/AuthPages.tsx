// Login, accept invitation and password reset: the pages the emailed links open
// (/invitations/accept?token=…, /password-reset?token=…). Portal accounts are per vendor, so each
// form names the vendor by its slug (prefilled from ?vendor= or the last one used on this browser).
import { FormEvent, InputHTMLAttributes, ReactNode, useId, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { auth, publicApi } from '../api';
import { ErrorBanner, Notice, useAction } from '../components';
import type { LoginTokens } from '../types';

function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  document.title = `${title} · Leasehold portal`;
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Leasehold portal
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

function Field({ label, hint, ...input }: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} aria-describedby={hint ? `${id}-hint` : undefined} />
      {hint && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

const VENDOR_HINT = 'The short name of your software vendor, as in your invitation (e.g. acme).';

function useVendor(): [string, (v: string) => void] {
  const [params] = useSearchParams();
  return useState(params.get('vendor') ?? auth.lastVendor());
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [vendor, setVendor] = useVendor();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run: act } = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(async () => {
      const tokens = await publicApi<LoginTokens>('POST', '/v1/auth/login', {
        vendor: vendor.trim(),
        email: email.trim(),
        password,
      });
      auth.start(vendor.trim(), tokens);
      const next = params.get('next');
      void navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    });
  };
  return (
    <AuthFrame title="Log in">
      {params.get('reset') === 'done' && <Notice>Your password is set. Log in with it.</Notice>}
      <form onSubmit={(e) => void submit(e)}>
        <Field
          label="Vendor"
          name="vendor"
          value={vendor}
          onChange={(e) => setVendor(e.target.value)}
          required
          autoComplete="organization"
          hint={VENDOR_HINT}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
          autoComplete="username"
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          autoComplete="current-password"
        />
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        <Link to={`/password-reset${vendor ? `?vendor=${encodeURIComponent(vendor)}` : ''}`}>
          Forgot your password?
        </Link>
      </p>
    </AuthFrame>
  );
}

function NewPasswordFields({
  password,
  setPassword,
  confirm,
  setConfirm,
}: {
  password: string;
  setPassword: (v: string) => void;
  confirm: string;
  setConfirm: (v: string) => void;
}) {
  return (
    <>
      <Field
        label="New password"
        name="password"
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
        minLength={10}
        maxLength={200}
        autoComplete="new-password"
        hint="At least 10 characters."
      />
      <Field
        label="Repeat the password"
        name="confirm"
        type="password"
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        required
        autoComplete="new-password"
      />
    </>
  );
}

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  const [vendor, setVendor] = useVendor();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { busy, error, setError, run: act } = useAction();
  if (!token) {
    return (
      <AuthFrame title="Accept invitation">
        <ErrorBanner
          error={
            new Error(
              'This link has no invitation token. Open the link from your invitation email again, or ask your admin to re-invite you.',
            )
          }
        />
        <Link to="/login">Go to login</Link>
      </AuthFrame>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) return setError(new Error('The two passwords are not the same.'));
    await act(async () => {
      const tokens = await publicApi<LoginTokens>('POST', '/v1/auth/invitations/accept', {
        vendor: vendor.trim(),
        token,
        password,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      auth.start(vendor.trim(), tokens);
      void navigate('/', { replace: true });
    });
  };
  return (
    <AuthFrame title="Accept invitation">
      <p>Choose a password to activate your account. You are logged in right after.</p>
      <form onSubmit={(e) => void submit(e)}>
        <Field
          label="Vendor"
          name="vendor"
          value={vendor}
          onChange={(e) => setVendor(e.target.value)}
          required
          hint={VENDOR_HINT}
        />
        <Field
          label="Your name (optional)"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={200}
          autoComplete="name"
          hint="Leave empty to keep the name your admin entered."
        />
        <NewPasswordFields password={password} setPassword={setPassword} confirm={confirm} setConfirm={setConfirm} />
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Activating…' : 'Activate my account'}
        </button>
      </form>
    </AuthFrame>
  );
}

export function PasswordResetPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  const [vendor, setVendor] = useVendor();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, run: act } = useAction();
  const run = async (e: FormEvent, fn: () => Promise<void>) => {
    e.preventDefault();
    await act(async () => {
      await fn();
    });
  };
  if (!token) {
    return (
      <AuthFrame title="Reset your password">
        {sent ? (
          <Notice>
            If an account exists for {email}, a reset link is on its way (valid for one hour). Check your email.
          </Notice>
        ) : (
          <form
            onSubmit={(e) =>
              void run(e, async () => {
                await publicApi('POST', '/v1/auth/password-reset/request', {
                  vendor: vendor.trim(),
                  email: email.trim(),
                });
                auth.rememberVendor(vendor.trim()); // the link from the email opens in this browser, most likely
                setSent(true);
              })
            }
          >
            <Field
              label="Vendor"
              name="vendor"
              value={vendor}
              onChange={(e) => setVendor(e.target.value)}
              required
              hint={VENDOR_HINT}
            />
            <Field
              label="Email"
              name="email"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
              autoComplete="username"
            />
            <ErrorBanner error={error} />
            <button type="submit" disabled={busy}>
              Send me a reset link
            </button>
          </form>
        )}
        <p>
          <Link to="/login">Back to login</Link>
        </p>
      </AuthFrame>
    );
  }
  return (
    <AuthFrame title="Choose a new password">
      <p>Every login of your account ends when the new password is set.</p>
      <form
        onSubmit={(e) =>
          void run(e, async () => {
            if (password !== confirm) throw new Error('The two passwords are not the same.');
            await publicApi('POST', '/v1/auth/password-reset/confirm', { vendor: vendor.trim(), token, password });
            auth.clear();
            void navigate(`/login?reset=done&vendor=${encodeURIComponent(vendor.trim())}`, { replace: true });
          })
        }
      >
        <Field
          label="Vendor"
          name="vendor"
          value={vendor}
          onChange={(e) => setVendor(e.target.value)}
          required
          hint={VENDOR_HINT}
        />
        <NewPasswordFields password={password} setPassword={setPassword} confirm={confirm} setConfirm={setConfirm} />
        <ErrorBanner error={error} />
        <button type="submit" disabled={busy}>
          Set the new password
        </button>
      </form>
    </AuthFrame>
  );
}
