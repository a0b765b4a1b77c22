import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ApiUser } from '../shared/identity/api-user.js';
import { AuthConfig, DEV_ADMIN_TOKEN } from './auth-config.js';

const digest = (token: string) => createHash('sha256').update(token).digest('base64');

/**
 * Finds the user a bearer token belongs to. Tokens are looked up by their SHA-256 digest, so that the
 * comparison never runs over the secret itself character by character.
 */
@Injectable()
export class ApiUserDirectory implements OnModuleInit {
  private readonly logger = new Logger('Auth');
  private readonly usersByDigest: Map<string, ApiUser>;

  constructor(private readonly config: AuthConfig) {
    this.usersByDigest = new Map(config.credentials.map(({ token, user }) => [digest(token), user]));
  }

  onModuleInit(): void {
    if (this.config.usesDevToken) {
      this.logger.warn(
        `ADMIN_TOKENS is not set: the single user "admin" may call the API with the token "${DEV_ADMIN_TOKEN}". ` +
          'Set ADMIN_TOKENS before exposing this server; production refuses to start without it.',
      );
    }
  }

  findByToken(token: string): ApiUser | undefined {
    return this.usersByDigest.get(digest(token));
  }
}
