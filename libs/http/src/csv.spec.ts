import { csvSafeCell } from './csv';

describe('csvSafeCell (formula injection)', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['WS-0142 / jdoe', 'WS-0142 / jdoe'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (input, output) => expect(csvSafeCell(input)).toBe(output));

  it('writes numbers, booleans, dates and null as values, never quoted as formulas', () => {
    expect(csvSafeCell(-5)).toBe('-5');
    expect(csvSafeCell(false)).toBe('false');
    expect(csvSafeCell(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01T00:00:00.000Z');
    expect(csvSafeCell(null)).toBe('');
  });
});
