import fc from 'fast-check';
import { ValidationPipe } from '@nestjs/common';
import { createValidationPipe, fastBody, fastBodyClasses } from '@leasehold/http';
import { ValidateDto } from './activations.dto';
import { CheckoutDto, HeartbeatDto, ReleaseDto } from './seats.dto';

// `@FastBody` checks stand in for class-validator on the hot routes' bodies: they may leave a body
// to the full pipe, but a body they accept must be one the full pipe accepts, built into the same
// DTO. Held here against class-validator itself, on bodies near every rule's edges.

const HOT = [ValidateDto, HeartbeatDto, ReleaseDto, CheckoutDto];

/** The pipe as it was before the fast checks: class-validator and class-transformer only. */
const fullPipe = (() => {
  const app = createValidationPipe() as ValidationPipe;
  return {
    transform: (value: unknown, metatype: unknown) =>
      ValidationPipe.prototype.transform.call(app, value, { type: 'body', metatype } as never),
  };
})();

/** Strings of printable ASCII (with space, or from `lowest` on) whose length is at or next to a bound. */
const nearBounds = (min: number, max: number, lowest = 0x20) =>
  fc
    .oneof(fc.integer({ min: Math.max(0, min - 1), max: min + 1 }), fc.integer({ min: max - 1, max: max + 1 }))
    .chain((length) =>
      fc.string({
        minLength: length,
        maxLength: length,
        unit: fc.integer({ min: lowest - 1, max: 0x7f }).map((c) => String.fromCharCode(c)),
      }),
    );
const text = (min: number, max: number, lowest = 0x20) =>
  fc.oneof(
    { weight: 3, arbitrary: nearBounds(min, max, lowest) },
    fc.string({ minLength: min, maxLength: max, unit: 'grapheme-ascii' }),
    fc.string({ minLength: Math.max(0, min - 2), maxLength: max + 2 }),
    fc.string({ maxLength: max + 2, unit: 'binary' }),
    fc.constantFrom('', ' ', 'a b', '\u{1F600}'.repeat(Math.ceil(min / 2)), 'x'.repeat(max), 'x'.repeat(max + 1)),
  );
const base64url43 = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), fc.stringMatching(/^[A-Za-z0-9_+/=-]{42,44}$/));
const uuid = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.string({ minLength: 36, maxLength: 36 }),
);
const anything = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string(),
  fc.constant({}),
  fc.constant([]),
);
const revision = fc.oneof(
  fc.integer({ min: -2, max: 2_147_483_649 }),
  fc.constantFrom(0, 2_147_483_647, 2_147_483_648, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, '7'),
);

const fields: Record<string, fc.Arbitrary<unknown>> = {
  fingerprint: fc.oneof(text(8, 256, 0x21), fc.stringMatching(/^[\x21-\x7e]{8,40}$/)),
  feature: text(1, 64),
  product: text(1, 64),
  nonce: text(1, 128),
  userToken: text(1, 64),
  clientName: text(1, 200),
  knownRevision: revision,
  licenseId: uuid,
  ticketId: uuid,
  returnKey: base64url43,
  returnKeyHash: base64url43,
  borrowUntil: fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
  __proto__: fc.constant({}),
  constructor: fc.constant('x'),
  extra: anything,
};

const body = fc
  .dictionary(fc.constantFrom(...Object.keys(fields)), fc.constant(undefined), { maxKeys: 6 })
  .chain((keys) =>
    fc.record(
      Object.fromEntries(
        Object.keys(keys).map((name) => [
          name,
          fc.oneof({ weight: 5, arbitrary: fields[name] }, { weight: 1, arbitrary: anything }),
        ]),
      ),
    ),
  );

describe('@FastBody checks against class-validator', () => {
  it('covers the hot routes (and only DTOs this test knows)', () => {
    expect(fastBodyClasses().sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [...HOT].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it.each(HOT.map((dto) => [dto.name, dto] as const))(
    '%s: a body the check accepts, class-validator accepts as the same DTO',
    async (_name, dto) => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(body, async (candidate) => {
          const value = JSON.parse(JSON.stringify(candidate)) as unknown; // as the JSON body parser gives it
          const fast = fastBody(dto, value);
          if (!fast) return;
          accepted++;
          const full = await fullPipe.transform(JSON.parse(JSON.stringify(value)), dto);
          expect(fast).toBeInstanceOf(dto);
          expect(full).toBeInstanceOf(dto);
          expect({ ...fast }).toEqual({ ...(full as object) });
        }),
        { numRuns: 3000 },
      );
      expect(accepted).toBeGreaterThan(0);
    },
  );

  it('accepts the bodies programs send, and leaves what it is unsure of to the full pipe', async () => {
    expect(
      fastBody(ValidateDto, { fingerprint: 'sha256:9f86d081884c7d65', knownRevision: 7, nonce: 'n-1' }),
    ).toBeInstanceOf(ValidateDto);
    expect(fastBody(HeartbeatDto, undefined)).toBeInstanceOf(HeartbeatDto);
    expect(fastBody(HeartbeatDto, { knownRevision: null })).toEqual(
      Object.assign(new HeartbeatDto(), { knownRevision: null }),
    );
    expect(fastBody(ValidateDto, { fingerprint: 'sha256:9f86d081884c7d65', product: 'Bürosoft' })).toBeUndefined();
    expect(
      fastBody(CheckoutDto, { fingerprint: 'sha256:9f86d081884c7d65', borrowUntil: '2030-01-01T00:00:00Z' }),
    ).toBeUndefined();
    expect(
      fastBody(ValidateDto, JSON.parse('{"fingerprint":"sha256:9f86d081884c7d65","__proto__":{"x":1}}')),
    ).toBeUndefined();
    expect(fastBody(ValidateDto, [])).toBeUndefined();
    expect(fastBody(ValidateDto, { fingerprint: 'sha256:9f86d081884c7d65', knownRevision: 2 ** 31 })).toBeUndefined();
    // and the full pipe refuses those of them that are wrong, with its own messages
    await expect(fullPipe.transform({ fingerprint: 'short' }, ValidateDto)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
