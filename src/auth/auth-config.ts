import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigurationError } from '../config/validate-variables.js';
import { USER_ROLES, type ApiUser, type UserRole } from '../shared/identity/api-user.js';

export const DEV_ADMIN_TOKEN = 'dev-admin-token';
const MIN_TOKEN_LENGTH = 12;

export interface ApiCredential {
  readonly user: ApiUser;
  readonly token: string;
}

export class AuthConfig {
  constructor(
    readonly credentials: readonly ApiCredential[],
    /** True when no ADMIN_TOKENS were given outside production and the dev token is in use. */
    readonly usesDevToken: boolean,
    /** Wrong tokens one address may send in a minute before it waits a minute (AUTH_FAILURES_PER_MINUTE). */
    readonly failuresPerMinute = 20,
  ) {}
}

/**
 * Parses ADMIN_TOKENS (`name:token[:role],…`, role `admin` or `editor`, default `editor`; a name may come
 * more than once, with one token each).
 * Outside production an empty value gives the single user `admin` with the token `dev-admin-token`;
 * in production it is an error, because an API nobody can call, or anybody can, is never intended.
 */
export function parseAdminTokens(
  value: string | undefined,
  nodeEnv: string,
  failuresPerMinute?: number,
): AuthConfig {
  if (!value) {
    if (nodeEnv === 'production') {
      throw new ConfigurationError('ADMIN_TOKENS must be set in production (name:token[:role],…)');
    }
    return new AuthConfig(
      [{ user: { name: 'admin', role: 'admin' }, token: DEV_ADMIN_TOKEN }],
      true,
      failuresPerMinute,
    );
  }
  const credentials = value.split(',').map((entry, index): ApiCredential => {
    const parts = entry.trim().split(':');
    const [name, token, role = 'editor'] = parts;
    const position = `ADMIN_TOKENS entry ${index + 1}`;
    if (parts.length < 2 || parts.length > 3 || !name || !token) {
      throw new ConfigurationError(`${position} must look like name:token or name:token:role`);
    }
    if (!/^[A-Za-z0-9_.@-]{1,100}$/.test(name)) {
      throw new ConfigurationError(
        `${position} has a user name with characters other than letters, digits, _ . @ -`,
      );
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ConfigurationError(`${position} has a token shorter than ${MIN_TOKEN_LENGTH} characters`);
    }
    if (!(USER_ROLES as readonly string[]).includes(role)) {
      throw new ConfigurationError(`${position} has role "${role}"; roles are ${USER_ROLES.join(', ')}`);
    }
    return { user: { name, role: role as UserRole }, token };
  });
  // A user may have several tokens, so that a new one can be handed out before the old one is removed
  // (README: "Security"); one role per user, whichever token it comes with.
  const roles = new Map<string, UserRole>();
  const tokens = new Set<string>();
  for (const { user, token } of credentials) {
    const role = roles.get(user.name);
    if (role !== undefined && role !== user.role) {
      throw new ConfigurationError(
        `ADMIN_TOKENS gives user "${user.name}" two roles (${role}, ${user.role})`,
      );
    }
    if (tokens.has(token)) throw new ConfigurationError('ADMIN_TOKENS lists the same token twice');
    roles.set(user.name, user.role);
    tokens.add(token);
  }
  return new AuthConfig(credentials, false, failuresPerMinute);
}

/** The auth module's environment variables. */
export class AuthEnvironmentVariables {
  /** `name:token[:role],…`; parsed and checked further in `auth-config.ts`. */
  @IsOptional()
  @IsString()
  ADMIN_TOKENS?: string = undefined;

  /** Wrong bearer or stream tokens one address may send in a minute; beyond, 429 for a minute. */
  @Type(() => Number)
  @IsInt({ message: 'AUTH_FAILURES_PER_MINUTE must be an integer' })
  @Min(1)
  @Max(100_000)
  AUTH_FAILURES_PER_MINUTE = 20;
}
