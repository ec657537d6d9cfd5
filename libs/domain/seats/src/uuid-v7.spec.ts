import { uuidV7 } from './uuid-v7';

describe('uuidV7', () => {
  it('is a version-7 RFC 9562 UUID whose first 48 bits are the time', () => {
    const id = uuidV7(0x0123456789ab);
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by creation time', () => {
    expect(uuidV7(1_000) < uuidV7(2_000)).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => uuidV7(5))).size).toBe(1000);
  });
});
