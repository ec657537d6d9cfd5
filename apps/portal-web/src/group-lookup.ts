// What pages need to show names instead of ids: the group's containers (with their licenses) and
// members, loaded once per page, and how a live lease is labelled.
import { all } from './api';
import type { Container, License, LiveLease, User } from './types';

export interface GroupLookup {
  containers: Container[];
  members: User[];
  license: (id: string) => (License & { container: Container }) | undefined;
  member: (id: string | null) => User | undefined;
}

export async function loadLookup(): Promise<GroupLookup> {
  const [containers, members] = await Promise.all([
    all<Container>('/v1/group/containers'),
    all<User>('/v1/group/members'),
  ]);
  const licenses = new Map(containers.flatMap((c) => c.licenses.map((l) => [l.id, { ...l, container: c }] as const)));
  const users = new Map(members.map((m) => [m.id, m]));
  return { containers, members, license: (id) => licenses.get(id), member: (id) => (id ? users.get(id) : undefined) };
}

export function who(s: LiveLease, lookup: GroupLookup): string {
  const user = lookup.member(s.userId);
  return [user?.name, s.clientName].filter(Boolean).join(' · ') || 'unknown';
}

export const deviceLabel = (s: LiveLease): string => s.deviceName ?? `…${s.fingerprint.slice(-8)}`;
