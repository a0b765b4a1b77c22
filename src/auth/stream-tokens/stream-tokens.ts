import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { ApiUser } from '../../shared/identity/api-user.js';
import { AuthConfig } from '../auth-config.js';

/** Long enough to open a stream (and for EventSource's reconnects after a network blip). */
export const STREAM_TOKEN_TTL_MS = 60_000;

export class IssuedStreamToken {
  @ApiProperty({ description: 'Pass as ?streamToken= to an event stream' })
  readonly streamToken!: string;
  /** ISO 8601. An open stream stays open past it; only opening one needs a valid token. */
  @ApiProperty({ format: 'date-time', description: 'Open the stream before this; it may stay open after' })
  readonly expiresAt!: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * Short-lived tokens for the event streams, which EventSource opens without any header: the client trades
 * its bearer token for one (`POST /api/stream-tokens`) and passes it as `?streamToken=`. A stream token is
 * `<payload>.<signature>`: the payload names the user and the expiry, and the signature is an HMAC keyed
 * with that user's own bearer token, so it needs no secret of its own, works on every instance that has the
 * same ADMIN_TOKENS, and dies with the bearer token. It opens event streams only: a URL that leaks into a
 * log grants a minute of read access to progress, never the API.
 */
@Injectable()
export class StreamTokens {
  private readonly tokensByName: Map<string, { user: ApiUser; token: string }>;

  constructor(config: AuthConfig) {
    this.tokensByName = new Map(config.credentials.map((c) => [c.user.name, c]));
  }

  issue(user: ApiUser, now = Date.now()): IssuedStreamToken {
    const credential = this.tokensByName.get(user.name);
    if (!credential) throw new Error(`No credential for user ${user.name}`);
    const expiresAt = now + STREAM_TOKEN_TTL_MS;
    const payload = base64url(JSON.stringify({ u: user.name, e: expiresAt }));
    return {
      streamToken: `${payload}.${this.sign(credential.token, payload)}`,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** The user a valid, unexpired stream token was issued to; undefined for anything else. */
  verify(streamToken: string, now = Date.now()): ApiUser | undefined {
    const [payload, signature, ...rest] = streamToken.split('.');
    if (!payload || !signature || rest.length > 0) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { u, e } = (claims ?? {}) as { u?: unknown; e?: unknown };
    if (typeof u !== 'string' || typeof e !== 'number' || e < now) return undefined;
    const credential = this.tokensByName.get(u);
    if (!credential) return undefined;
    const expected = Buffer.from(this.sign(credential.token, payload));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? credential.user : undefined;
  }

  private sign(key: string, payload: string): string {
    return createHmac('sha256', key).update(`stream-token:${payload}`).digest('base64url');
  }
}
