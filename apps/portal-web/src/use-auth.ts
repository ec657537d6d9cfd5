import { useSyncExternalStore } from 'react';
import { auth } from './api';

/** The signed-in user and their tokens, re-rendering when they change (login, refresh, logout). */
export function useAuth() {
  return useSyncExternalStore(auth.subscribe, auth.snapshot);
}
