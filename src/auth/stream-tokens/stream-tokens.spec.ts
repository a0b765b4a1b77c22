import { parseAdminTokens } from '../auth-config.js';
import { STREAM_TOKEN_TTL_MS, StreamTokens } from './stream-tokens.js';

describe('StreamTokens', () => {
  const config = parseAdminTokens('root:root-token-0123456789:admin,alice:alice-token-0123456789', 'test');
  const tokens = new StreamTokens(config);
  const alice = { name: 'alice', role: 'editor' } as const;
  const ALICE = 'alice-token-0123456789';

  it('gives back the user it was issued to until it expires', () => {
    const { streamToken } = tokens.issue(alice, ALICE, 1_000);
    expect(tokens.verify(streamToken, 1_000 + STREAM_TOKEN_TTL_MS)).toEqual(alice);
    expect(tokens.verify(streamToken, 1_001 + STREAM_TOKEN_TTL_MS)).toBeUndefined();
  });

  it('refuses a token whose payload was changed, or signed with another key', () => {
    const { streamToken } = tokens.issue(alice, ALICE, Date.now());
    const [, signature] = streamToken.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'root', e: Date.now() + 60_000 })).toString('base64url');
    expect(tokens.verify(`${forged}.${signature}`)).toBeUndefined();
    const otherServer = new StreamTokens(parseAdminTokens('alice:another-token-0123456789', 'test'));
    expect(otherServer.verify(streamToken)).toBeUndefined();
    expect(tokens.verify('not-a-token')).toBeUndefined();
    expect(tokens.verify('a.b.c')).toBeUndefined();
  });

  it('stays valid on every instance while a token is rotated', () => {
    const OLD = 'alice-old-token-0123';
    const NEW = 'alice-new-token-0123';
    const before = new StreamTokens(parseAdminTokens(`alice:${OLD}`, 'test'));
    const during = new StreamTokens(parseAdminTokens(`alice:${OLD},alice:${NEW}`, 'test'));
    const after = new StreamTokens(parseAdminTokens(`alice:${NEW}`, 'test'));
    // Clients still on the old token, some instances not yet redeployed:
    const fromOld = during.issue(alice, OLD).streamToken;
    expect([before.verify(fromOld), during.verify(fromOld)]).toEqual([alice, alice]);
    // Clients on the new token, the old one being removed instance by instance:
    const fromNew = during.issue(alice, NEW).streamToken;
    expect([during.verify(fromNew), after.verify(fromNew)]).toEqual([alice, alice]);
    expect(after.verify(fromOld)).toBeUndefined();
    expect(() => during.issue(alice, 'root-token-0123456789')).toThrow(/not one of alice's/);
  });
});
