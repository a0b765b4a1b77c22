import { neutralizeFormula, restoreFormula } from './formula-guard.js';

describe('formula guard', () => {
  it.each(['=SUM(A1:A9)', '+1', '-1+2', '@cmd', '\tTAB', '\rCR', "'=already quoted", "''=twice"])(
    'neutralizes %j so that no spreadsheet evaluates it, and restores it exactly',
    (value) => {
      const cell = neutralizeFormula(value);
      expect(cell.startsWith("'")).toBe(true);
      expect(restoreFormula(cell)).toBe(value);
    },
  );

  it.each(['plain', "it's fine", "'quoted but harmless", '', ' =leading space', '1-2'])(
    'leaves %j alone',
    (value) => {
      expect(neutralizeFormula(value)).toBe(value);
      expect(restoreFormula(value)).toBe(value);
    },
  );
});
