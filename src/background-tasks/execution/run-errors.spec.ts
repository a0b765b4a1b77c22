import { describeThrown, preview, storableText } from './run-errors.js';
import { readReturnedOutcome, NotAnOutcome } from './returned-outcome.js';

describe('describeThrown', () => {
  it('keeps an Error’s name, message and string code', () => {
    expect(describeThrown(Object.assign(new TypeError('bad'), { code: 'E_BAD' }))).toEqual({
      name: 'TypeError',
      message: 'bad',
      code: 'E_BAD',
    });
    expect(describeThrown(Object.assign(new Error('errno'), { code: 5 }))).toEqual({
      name: 'Error',
      message: 'errno',
    });
  });

  it.each([
    [null, 'The task threw null instead of an Error'],
    [undefined, 'The task threw undefined instead of an Error'],
    ['boom', 'The task threw the string "boom" instead of an Error'],
    [10n, 'The task threw the BigInt 10n instead of an Error'],
    [{ reason: 'x' }, 'The task threw the object {"reason":"x"} instead of an Error'],
    [Symbol('s'), 'The task threw a symbol instead of an Error'],
  ])('describes %p under NON_ERROR_THROWN, without throwing', (thrown, message) => {
    expect(describeThrown(thrown)).toEqual({ name: 'Error', code: 'NON_ERROR_THROWN', message });
  });

  it('survives getters that throw, Proxies that lie, and text no database stores', () => {
    const unreadable = new Error('x');
    Object.defineProperty(unreadable, 'message', {
      get() {
        throw new Error('no');
      },
    });
    expect(describeThrown(unreadable)).toMatchObject({ message: '(the message could not be read)' });
    const proxy = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(describeThrown(proxy)).toMatchObject({ code: 'NON_ERROR_THROWN' });
    expect(describeThrown(new Error('a\u0000b\ud800')).message).toBe('ab\ufffd');
    expect(storableText('x'.repeat(20_000))).toHaveLength(10_000);
    expect(
      preview({
        get a() {
          throw new Error('no');
        },
      }),
    ).toBe('an object');
  });
});

describe('readReturnedOutcome', () => {
  it('copies a well-formed outcome, and names what is wrong with anything else', () => {
    expect(readReturnedOutcome({ kind: 'failure', error: 1 }, 'T')).toEqual({
      kind: 'failure',
      error: 1,
      retry: true,
    });
    expect(readReturnedOutcome({ kind: 'suspended' }, 'T')).toEqual({ kind: 'suspended', until: null });
    const until = new Date('2026-12-01T00:00:00Z');
    expect(readReturnedOutcome({ kind: 'suspended', until }, 'T')).toEqual({ kind: 'suspended', until });
    for (const returned of [
      undefined,
      42,
      'success',
      { kind: 'done' },
      { kind: 'suspended', until: 'soon' },
    ]) {
      const read = readReturnedOutcome(returned, 'ReportTask');
      expect(read).toBeInstanceOf(NotAnOutcome);
      expect((read as NotAnOutcome).message).toMatch(/^ReportTask\.execute\(\) must return a TaskOutcome/);
    }
    const throwing = {
      get kind(): string {
        throw new Error('getter');
      },
    };
    expect((readReturnedOutcome(throwing, 'T') as NotAnOutcome).message).toMatch(
      /reading what it returned threw \(getter\)/,
    );
  });
});
