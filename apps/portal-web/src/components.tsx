// Small building blocks every page uses: loading/empty/error states, tables that stack on phones,
// confirmation and show-once dialogs (native <dialog>: focus stays inside, Escape closes), copy buttons.
import { ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from './api';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="banner error" role="alert">
      <span>
        {errorMessage(error)}
        {code && <code className="code">{code}</code>}
      </span>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="banner ok" role="status">
      {children}
    </div>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export interface Action {
  busy: boolean;
  error: unknown;
  setError: (error: unknown) => void;
  /** Runs `fn` (busy meanwhile, the error of the last run cleared first, a thrown error kept); whether it succeeded. */
  run: (fn: () => Promise<void>) => Promise<boolean>;
}

/** What a form or button that calls the API needs: one run at a time, its error shown. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Runs `load` now and whenever `deps` change or `reload()` is called; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], refreshMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  useEffect(() => {
    if (!refreshMs) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, reload]);
  return { data, error, loading, reload };
}

/** Shows the loading state, the error (with retry), the empty state, or the content. */
export function Async<T>({
  state,
  empty,
  isEmpty,
  children,
}: {
  state: Loaded<T>;
  empty?: ReactNode;
  isEmpty?: (d: T) => boolean;
  children: (d: T) => ReactNode;
}) {
  if (state.data === undefined) {
    if (state.error) return <ErrorBanner error={state.error} onRetry={state.reload} />;
    return (
      <p className="muted loading" role="status" aria-live="polite">
        Loading…
      </p>
    );
  }
  const isEmptyData = isEmpty ? isEmpty(state.data) : Array.isArray(state.data) && state.data.length === 0;
  return (
    <>
      {state.error ? <ErrorBanner error={state.error} onRetry={state.reload} /> : null}
      {isEmptyData && empty ? <p className="empty">{empty}</p> : children(state.data)}
    </>
  );
}

export interface Column<T> {
  label: string;
  render: (row: T) => ReactNode;
  className?: string;
}

/** A table; below 640 px each row becomes a card with the column names as labels. */
export function Table<T>({
  rows,
  columns,
  rowKey,
  caption,
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  caption?: string;
}) {
  return (
    <div className="table-wrap">
      <table className="stack">
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.className}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.label} data-label={c.label} className={c.className}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function useDialog(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return ref;
}

/** Asks before a destructive action; runs it, shows the API's error inside the dialog if it fails. */
export function ConfirmButton({
  label,
  title,
  message,
  confirmLabel,
  onConfirm,
  danger = true,
  disabled,
  className,
}: {
  label: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const { busy, error, run: runAction } = useAction();
  const ref = useDialog(open);
  const titleId = useId();
  const run = () =>
    runAction(async () => {
      await onConfirm();
      setOpen(false);
    });
  return (
    <>
      <button
        type="button"
        className={className ?? (danger ? 'danger small' : 'secondary small')}
        disabled={disabled}
        onClick={() => setOpen(true)}
      >
        {label}
      </button>
      <dialog ref={ref} aria-labelledby={titleId} onClose={() => setOpen(false)}>
        {open && (
          <form method="dialog" onSubmit={(e) => e.preventDefault()}>
            <h2 id={titleId}>{title}</h2>
            <div>{message}</div>
            <ErrorBanner error={error} />
            <div className="actions">
              <button type="button" className="secondary" onClick={() => setOpen(false)} autoFocus>
                Cancel
              </button>
              <button type="button" className={danger ? 'danger' : ''} disabled={busy} onClick={() => void run()}>
                {busy ? 'Working…' : confirmLabel}
              </button>
            </div>
          </form>
        )}
      </dialog>
    </>
  );
}

/** Shows a secret once: it is not stored anywhere and cannot be shown again after closing. */
export function SecretDialog({
  title,
  secret,
  onClose,
  children,
}: {
  title: string;
  secret: string | null;
  onClose: () => void;
  children?: ReactNode;
}) {
  const ref = useDialog(secret !== null);
  const titleId = useId();
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} className="secret-dialog">
      {secret !== null && (
        <div>
          <h2 id={titleId}>{title}</h2>
          {children}
          <p className="warning">Copy it now: it is shown only this once and Leasehold keeps only its hash.</p>
          <CopyField value={secret} label="New access secret" />
          <div className="actions">
            <button type="button" onClick={onClose}>
              I have stored it
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}

export function CopyField({ value, label, multiline }: { value: string; label: string; multiline?: boolean }) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {multiline ? (
          <textarea
            id={id}
            readOnly
            value={value}
            rows={4}
            className="mono"
            onFocus={(e) => e.currentTarget.select()}
          />
        ) : (
          <input id={id} readOnly value={value} className="mono" onFocus={(e) => e.currentTarget.select()} />
        )}
        <CopyButton value={value} />
      </div>
    </div>
  );
}

export function CopyButton({ value }: { value: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
    setTimeout(() => setCopied(null), 2500);
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy()} aria-live="polite">
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy (Ctrl+C)' : 'Copy'}
    </button>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Leasehold portal`;
  }, [title]);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

export function StatusBadge({ value }: { value: string }) {
  return <span className={`badge badge-${value.toLowerCase()}`}>{value.toLowerCase().replace(/_/g, ' ')}</span>;
}
