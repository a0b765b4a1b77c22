export const USER_ROLES = ['admin', 'editor'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Who is calling: a user from ADMIN_TOKENS. Admins see every task; editors see the tasks they created. */
export interface ApiUser {
  readonly name: string;
  readonly role: UserRole;
}

export function isAdmin(user: ApiUser): boolean {
  return user.role === 'admin';
}
