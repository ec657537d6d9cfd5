// The portal API client: same origin, JSON, the shared error envelope, and the login (access token
// in memory, the single-use refresh token in localStorage so a reload keeps you logged in). A 401 for
// an expired access token refreshes once and retries; only one refresh runs at a time, because
// presenting a used refresh token twice ends the whole login (REFRESH_TOKEN_REUSED), except once
// right after a refresh whose answer never arrived (the portal's reuse grace).
import { createStore, get as idbGet, set as idbSet, type UseStore } from 'idb-keyval';
import type { Page, LoginTokens, LoginUser } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface StoredLogin {
  vendor: string;
  refreshToken: string;
  user: LoginUser;
  /** When this tab wrote it (ms): the newer of localStorage's and IndexedDB's copy wins. */
  savedAt?: number;
}

/** IndexedDB's copy of the login (`login` null after a logout), stamped when it was written. */
interface SharedLogin {
  login: StoredLogin | null;
  savedAt: number;
}

export interface AuthState {
  vendor: string | null;
  user: LoginUser | null;
}

// The key keeps its first name so that a deployed portal keeps its users logged in.
const STORAGE_KEY = 'leasehold.portal.session';
const VENDOR_KEY = 'leasehold.portal.vendor';

let accessToken: string | null = null;
let accessExpiresAt = 0;
let refreshMarginMs = 30_000;
let stored: StoredLogin | null = readStored();
let state: AuthState = { vendor: stored?.vendor ?? null, user: stored?.user ?? null };
const listeners = new Set<() => void>();
let refreshing: Promise<void> | null = null;
/**
 * The login is also kept in IndexedDB, which every tab reads consistently: a tab's localStorage is
 * a copy that Chromium brings up to date asynchronously, so a tab taking the refresh lock right
 * after another tab rotated the token can still read the used one there and would end the login.
 */
const shared: UseStore | null = typeof indexedDB === 'undefined' ? null : createStore('leasehold-portal', 'login');
let sharedWrite: Promise<void> = Promise.resolve();

/** Writes the login (or its absence) to localStorage now and to IndexedDB in the background. */
function save(login: StoredLogin | null): void {
  const savedAt = Date.now();
  if (login) localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...login, savedAt }));
  else localStorage.removeItem(STORAGE_KEY);
  if (!shared) return;
  const record: SharedLogin = { login, savedAt };
  sharedWrite = idbSet(STORAGE_KEY, record, shared).catch(() => undefined); // private mode: localStorage alone
}

/** The newest login of all tabs: IndexedDB's copy unless localStorage's is newer (or IndexedDB has none). */
async function readLatest(): Promise<StoredLogin | null> {
  const local = readStored();
  const record = shared ? await idbGet<SharedLogin>(STORAGE_KEY, shared).catch(() => undefined) : undefined;
  if (!record || (local?.savedAt ?? 0) > record.savedAt) return local;
  return record.login;
}

function readStored(): StoredLogin | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as StoredLogin) : null;
  } catch {
    return null;
  }
}

function emit(): void {
  state = { vendor: stored?.vendor ?? null, user: stored?.user ?? null };
  for (const l of listeners) l();
}

export const auth = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  snapshot: (): AuthState => state,
  lastVendor: (): string => localStorage.getItem(VENDOR_KEY) ?? '',
  rememberVendor: (vendor: string): void => localStorage.setItem(VENDOR_KEY, vendor),
  /** Keeps the tokens of a login, an accepted invitation or a refresh. */
  start(vendor: string, tokens: LoginTokens): void {
    accessToken = tokens.accessToken;
    accessExpiresAt = Date.now() + tokens.expiresIn * 1000;
    refreshMarginMs = Math.min(30_000, (tokens.expiresIn * 1000) / 4);
    stored = { vendor, refreshToken: tokens.refreshToken, user: tokens.user };
    save(stored);
    localStorage.setItem(VENDOR_KEY, vendor);
    emit();
  },
  clear(): void {
    accessToken = null;
    accessExpiresAt = 0;
    stored = null;
    save(null);
    emit();
  },
  /**
   * The user's own details changed (name, role). Only this tab's localStorage copy is rewritten,
   * as this tab holds the login: with the `savedAt` it was read with from localStorage, none when
   * it came from a login, a refresh or IndexedDB, never a new one. The refresh token this tab
   * holds may already be older than another tab's newest (IndexedDB), and must not come to look
   * newer than it.
   */
  updateUser(user: Partial<LoginUser>): void {
    if (!stored) return;
    stored = { ...stored, user: { ...stored.user, ...user } };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    emit();
  },
};

async function send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['Authorization'] = `Bearer ${token}`;
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The portal cannot be reached. Check your connection and try again.');
  }
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (res.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)
    ?.error;
  throw new ApiError(
    res.status,
    error?.code ?? `HTTP_${res.status}`,
    error?.message ?? `The portal answered ${res.status} ${res.statusText}`,
    error?.details,
  );
}

/**
 * Exchanges the refresh token for a new pair; one at a time, across tabs too (Web Locks), always
 * with the newest token (readLatest): another tab may have rotated it, and presenting a used one
 * would end the whole login. The new token is in IndexedDB before the lock is let go. Ends the
 * login when refused. A refresh whose answer never arrived is sent once more (sendRefresh).
 */
export function refreshLogin(): Promise<void> {
  refreshing ??= withRefreshLock(async () => {
    const latest = await readLatest();
    if (!latest) {
      auth.clear();
      throw new ApiError(401, 'UNAUTHENTICATED', 'Please log in.');
    }
    const res = await sendRefresh(latest.refreshToken);
    try {
      const tokens = await parse<LoginTokens>(res);
      auth.start(latest.vendor, tokens);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) auth.clear();
      throw error;
    } finally {
      await sharedWrite;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Statuses of a proxy that answered in the portal's place: the portal may have answered the refresh. */
const LOST_ANSWER_STATUSES = new Set([502, 504]);
const REFRESH_RETRY_DELAY_MS = 500;

/**
 * Sends the refresh, and once more with the same token when its answer never arrived (the network
 * dropped, or a proxy gave up): the portal may have rotated the token all the same, and this tab
 * still holds only the used one. The portal answers that second refresh with a new pair instead of
 * ending the login, as long as it comes within its reuse grace (PORTAL_REFRESH_REUSE_GRACE_SECONDS,
 * 30 s by default) and the lost token was never used. Runs under the refresh lock, like every refresh.
 */
async function sendRefresh(refreshToken: string): Promise<Response> {
  const attempt = () => send('POST', '/v1/auth/refresh', { refreshToken }, null);
  try {
    const res = await attempt();
    if (!LOST_ANSWER_STATUSES.has(res.status)) return res;
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'NETWORK_ERROR') throw error;
  }
  await new Promise((resolve) => setTimeout(resolve, REFRESH_RETRY_DELAY_MS));
  return attempt();
}

function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: { request(name: string, cb: () => Promise<T>): Promise<T> } })
    .locks;
  return locks ? locks.request('leasehold.portal.refresh', fn) : fn();
}

// Another tab logged in, refreshed or logged out: follow it.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  const next = readStored();
  if (!next || next.user.id !== stored?.user.id) {
    accessToken = null;
    accessExpiresAt = 0;
  }
  stored = next;
  emit();
});

const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'TOKEN_INVALID', 'UNAUTHENTICATED']);

/** An authenticated call to the portal API. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return parse<T>(await authenticated(method, path, body));
}

/**
 * Downloads a file the API streams (the lease history as CSV) under the name its
 * Content-Disposition gives; an error answer (JSON) is thrown as an ApiError, as by `api`.
 */
export async function apiDownload(path: string, fallbackName: string): Promise<void> {
  const res = await authenticated('GET', path, undefined);
  if (!res.ok) return parse<void>(res);
  saveFile(
    /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName,
    await res.blob(),
  );
}

/** Hands a file to the browser's download (a CSV built here or streamed by the API). */
export function saveFile(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Sends with the access token, refreshing it first when due, and once more after a refreshable 401. */
async function authenticated(method: string, path: string, body: unknown): Promise<Response> {
  if (stored && (!accessToken || Date.now() > accessExpiresAt - refreshMarginMs)) await refreshLogin();
  let res = await send(method, path, body, accessToken);
  if (res.status === 401 && stored) {
    const copy = res.clone();
    const code = await copy.json().then(
      (j: unknown) => (j as { error?: { code?: string } }).error?.code,
      () => undefined,
    );
    if (code && REFRESHABLE.has(code)) {
      await refreshLogin();
      res = await send(method, path, body, accessToken);
    } else {
      auth.clear(); // TOKEN_REVOKED: removed, disabled or password reset elsewhere
    }
  }
  return res;
}

/** A call that needs no login (login, invitation, password reset). */
export async function publicApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  return parse<T>(await send(method, path, body, null));
}

export async function logout(): Promise<void> {
  const current = stored;
  auth.clear();
  if (current)
    await send('POST', '/v1/auth/logout', { refreshToken: current.refreshToken }, null).catch(() => undefined);
}

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Every page of a cursor-paginated list (the lists here are a group's: small). */
export async function all<T>(
  path: string,
  params: Record<string, string | number | boolean | undefined> = {},
  max = 20,
): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null | undefined;
  for (let i = 0; i < max; i++) {
    const page: Page<T> = await api('GET', path + query({ ...params, limit: 100, cursor: cursor ?? undefined }));
    rows.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return rows;
}
