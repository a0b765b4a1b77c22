import { parseAdminTokens } from '../auth-config.js';
import { STREAM_TOKEN_TTL_MS, StreamTokens } from './stream-tokens.js';

describe('StreamTokens', () => {
  const config = parseAdminTokens('root:root-token-0123456789:admin,alice:alice-token-0123456789', 'test');
  const tokens = new StreamTokens(config);
  const alice = { name: 'alice', role: 'editor' } as const;

  it('gives back the user it was issued to until it expires', () => {
    const { streamToken } = tokens.issue(alice, 1_000);
    expect(tokens.verify(streamToken, 1_000 + STREAM_TOKEN_TTL_MS)).toEqual(alice);
    expect(tokens.verify(streamToken, 1_001 + STREAM_TOKEN_TTL_MS)).toBeUndefined();
  });

  it('refuses a token whose payload was changed, or signed with another key', () => {
    const { streamToken } = tokens.issue(alice, Date.now());
    const [, signature] = streamToken.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'root', e: Date.now() + 60_000 })).toString('base64url');
    expect(tokens.verify(`${forged}.${signature}`)).toBeUndefined();
    const otherServer = new StreamTokens(parseAdminTokens('alice:another-token-0123456789', 'test'));
    expect(otherServer.verify(streamToken)).toBeUndefined();
    expect(tokens.verify('not-a-token')).toBeUndefined();
    expect(tokens.verify('a.b.c')).toBeUndefined();
  });
});
