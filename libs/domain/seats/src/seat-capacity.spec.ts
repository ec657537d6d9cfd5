import { allowanceOf, seatCapacity } from './seat-capacity';

describe('seatCapacity', () => {
  it('is the quantity without an allowance', () => {
    expect(seatCapacity(10, { overagePercent: null, overageExtraSeats: null })).toBe(10);
    expect(allowanceOf({ overagePercent: null, overageExtraSeats: null })).toBeNull();
  });
  it('adds a factor rounded down, or a fixed number of seats', () => {
    expect(seatCapacity(10, { overagePercent: 25, overageExtraSeats: null })).toBe(12);
    expect(seatCapacity(10, { overagePercent: 50, overageExtraSeats: null })).toBe(15);
    expect(seatCapacity(10, { overagePercent: 100, overageExtraSeats: null })).toBe(20);
    expect(seatCapacity(3, { overagePercent: 25, overageExtraSeats: null })).toBe(3);
    expect(seatCapacity(10, { overagePercent: null, overageExtraSeats: 4 })).toBe(14);
    expect(allowanceOf({ overagePercent: 25, overageExtraSeats: null })).toEqual({ factor: 1.25 });
  });
});
