export type GroupRole = 'ADMIN' | 'MEMBER';
export type UserStatus = 'INVITED' | 'ACTIVE' | 'DISABLED';

export interface GroupView {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  groupId: string | null;
  role: GroupRole | null;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupFilter {
  /** Case-insensitive substring of the name or externalId. */
  search?: string;
  take: number;
  cursor?: string;
}

export interface UserFilter {
  /** Case-insensitive substring of the email or name. */
  search?: string;
  groupId?: string;
  status?: UserStatus;
  role?: GroupRole;
  take: number;
  cursor?: string;
}

export interface CreateUserCommand {
  email: string;
  name: string;
  groupId?: string | null;
  role?: GroupRole;
  externalId?: string | null;
}

/** A portal user acting in the portal (from the portal principal). */
export interface PortalActor {
  userId: string;
  groupId: string | null;
  role: GroupRole | null;
}

/**
 * What a group admin learns from an invitation: the same whether or not the email already has an
 * account at the vendor (in their group, another group or none), so it reveals nothing about it.
 */
export interface GroupInvitationAnswer {
  email: string;
  invitationExpiresAt: Date;
}
