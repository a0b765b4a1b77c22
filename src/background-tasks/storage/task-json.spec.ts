import { encodeTaskJson } from './task-json.js';

describe('encodeTaskJson', () => {
  it('encodes what JSON holds, undefined as null', () => {
    expect(encodeTaskJson({ a: [1, 'é'] }, 1_000)).toEqual({ ok: true, json: '{"a":[1,"é"]}' });
    expect(encodeTaskJson(undefined, 1_000)).toEqual({ ok: true, json: 'null' });
  });

  it('refuses what JSON cannot hold, what no database stores, and what is too large, saying why', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(encodeTaskJson({ n: 1n }, 1_000)).toMatchObject({
      ok: false,
      problem: 'not-storable',
      reason: expect.stringMatching(/BigInt/),
    });
    expect(encodeTaskJson(cycle, 1_000)).toMatchObject({ ok: false, problem: 'not-storable' });
    expect(encodeTaskJson('a\u0000', 1_000)).toMatchObject({
      ok: false,
      problem: 'not-storable',
      reason: expect.stringMatching(/NUL/),
    });
    expect(encodeTaskJson('\ud800', 1_000)).toMatchObject({ ok: false, problem: 'not-storable' });
    // 'é' is two bytes of UTF-8: 600 of them with quotes are 1,202 bytes.
    expect(encodeTaskJson('é'.repeat(600), 1_024)).toEqual({
      ok: false,
      problem: 'too-large',
      reason: 'it is 1.2 kB of JSON, more than the 1 kB a task may store (TASK_PAYLOAD_MAX_SIZE)',
    });
    expect(encodeTaskJson('é'.repeat(500), 1_024)).toMatchObject({ ok: true });
  });
});
