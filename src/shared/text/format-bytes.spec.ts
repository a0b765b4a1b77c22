import { formatBytes } from './format-bytes.js';

describe('formatBytes', () => {
  it('writes sizes as people read them', () => {
    expect([formatBytes(12), formatBytes(300 * 1024), formatBytes(1.44 * 1024 * 1024)]).toEqual([
      '12 bytes',
      '300 kB',
      '1.4 MB',
    ]);
  });
});
