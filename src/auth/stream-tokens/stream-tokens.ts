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
 * with the bearer token it was traded for, so it needs no secret of its own, works on every instance that
 * knows that token, and dies with it. Keyed with the caller's own token, not with the user's first one, a
 * stream token stays valid on every instance while a token is rotated (old and new listed side by side).
 * It opens event streams only: a URL that leaks into a log grants a minute of read access to progress,
 * never the API.
 */
@Injectable()
export class StreamTokens {
  private readonly credentialsByName = new Map<string, { user: ApiUser; tokens: string[] }>();

  constructor(config: AuthConfig) {
    for (const { user, token } of config.credentials) {
      const known = this.credentialsByName.get(user.name);
      if (known) known.tokens.push(token);
      else this.credentialsByName.set(user.name, { user, tokens: [token] });
    }
  }

  /** A stream token for the user, keyed with the bearer token the user presented. */
  issue(user: ApiUser, bearerToken: string, now = Date.now()): IssuedStreamToken {
    if (!this.credentialsByName.get(user.name)?.tokens.includes(bearerToken)) {
      throw new Error(`The token presented is not one of ${user.name}'s`);
    }
    const expiresAt = now + STREAM_TOKEN_TTL_MS;
    const payload = base64url(JSON.stringify({ u: user.name, e: expiresAt }));
    return {
      streamToken: `${payload}.${this.sign(bearerToken, payload)}`,
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
    const credential = this.credentialsByName.get(u);
    if (!credential) return undefined;
    const given = Buffer.from(signature);
    const valid = credential.tokens.some((token) => {
      const expected = Buffer.from(this.sign(token, payload));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    return valid ? credential.user : undefined;
  }

  private sign(key: string, payload: string): string {
    return createHmac('sha256', key).update(`stream-token:${payload}`).digest('base64url');
  }
}
