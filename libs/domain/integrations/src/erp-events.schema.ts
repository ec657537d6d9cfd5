import { z } from 'zod';
import { RenewalPolicy } from '@leasehold/db';

// The events an ERP/CRM sends to `POST /webhooks/erp/{integrationId}` (documented in
// docs/erp-integration.md). Every id here is the vendor's own (ERP order, line, customer ids):
// they are stored as `externalId` on our records, and that is how later events find them.

const externalId = z.string().trim().min(1).max(200);
const code = z.string().min(1).max(64);
const name = z.string().trim().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const features = z.array(code).max(200);

const group = z.strictObject({ externalId, name });
const person = z.strictObject({ externalId, email: z.email().max(320), name });

const orderLine = z.strictObject({
  lineId: externalId,
  productCode: code,
  features: features.default([]),
  /** ENTERPRISE: concurrent seats (the purchase's seats); PERSONAL: devices at once (≤ 3). */
  quantity: z.int().min(1).max(100_000),
  validFrom: instant.optional(),
  expiresAt: instant.optional(),
  /** Default: ERP when the line expires (the ERP renews its subscriptions), else NONE. */
  renewalPolicy: z.nativeEnum(RenewalPolicy).optional(),
  renewalTermDays: z.int().min(1).max(3660).optional(),
  /** Days a machine may run offline (offline grants, borrows, license files' refreshBy); default 30. */
  offlinePeriodDays: z.int().min(1).max(365).optional(),
});

const uniqueLines = (lines: { lineId: string }[]) => new Set(lines.map((l) => l.lineId)).size === lines.length;

export const orderCreatedData = z
  .strictObject({
    orderId: externalId,
    /** A company order: an ENTERPRISE container of the group, a purchase per line. */
    group: group.optional(),
    /** A single buyer (no group): a PERSONAL container of the user. With a group: the group's first admin. */
    user: person.optional(),
    items: z.array(orderLine).min(1).max(100).refine(uniqueLines, 'lineId must be unique within the order'),
  })
  .refine((d) => d.group !== undefined || d.user !== undefined, {
    message: 'An order names a group (company order) or a user (personal order)',
    path: ['group'],
  });

export const orderChangedData = z.strictObject({
  orderId: externalId,
  items: z
    .array(
      z
        .strictObject({
          lineId: externalId,
          quantity: z.int().min(1).max(100_000).optional(),
          features: features.optional(),
          expiresAt: instant.optional(),
          offlinePeriodDays: z.int().min(1).max(365).optional(),
        })
        .refine(
          (l) =>
            l.quantity !== undefined ||
            l.features !== undefined ||
            l.expiresAt !== undefined ||
            l.offlinePeriodDays !== undefined,
          'A changed line names quantity, features, expiresAt or offlinePeriodDays',
        ),
    )
    .min(1)
    .max(100)
    .refine(uniqueLines, 'lineId must be unique within the order'),
});

export const orderCancelledData = z.strictObject({ orderId: externalId, reason: z.string().max(500).optional() });

export const subscriptionRenewedData = z.strictObject({
  orderId: externalId,
  /** The renewed lines; all lines of the order when absent. */
  lineIds: z.array(externalId).min(1).max(100).optional(),
  expiresAt: instant,
});

export const customerUpdatedData = z
  .strictObject({
    group: z.strictObject({ externalId, name }).optional(),
    user: z.strictObject({ externalId, email: z.email().max(320).optional(), name: name.optional() }).optional(),
  })
  .refine((d) => d.group !== undefined || d.user !== undefined, {
    message: 'customer.updated names a group or a user',
    path: ['group'],
  });

const envelope = { id: externalId, occurredAt: instant.optional() };

export const erpEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('order.created'), data: orderCreatedData }),
  z.strictObject({ ...envelope, type: z.literal('order.changed'), data: orderChangedData }),
  z.strictObject({ ...envelope, type: z.literal('order.cancelled'), data: orderCancelledData }),
  z.strictObject({ ...envelope, type: z.literal('subscription.renewed'), data: subscriptionRenewedData }),
  z.strictObject({ ...envelope, type: z.literal('customer.updated'), data: customerUpdatedData }),
]);

export type ErpEvent = z.infer<typeof erpEventSchema>;
export type ErpEventType = ErpEvent['type'];
export const ERP_EVENT_TYPES: ErpEventType[] = [
  'order.created',
  'order.changed',
  'order.cancelled',
  'subscription.renewed',
  'customer.updated',
];
export type OrderCreated = z.infer<typeof orderCreatedData>;
export type OrderChanged = z.infer<typeof orderChangedData>;
export type OrderCancelled = z.infer<typeof orderCancelledData>;
export type SubscriptionRenewed = z.infer<typeof subscriptionRenewedData>;
export type CustomerUpdated = z.infer<typeof customerUpdatedData>;

export interface FieldError {
  field: string;
  messages: string[];
}

/** The event, or each bad field (paths like `data.items.0.quantity`) in the API's error shape. */
export function parseErpEvent(body: unknown): { ok: true; event: ErpEvent } | { ok: false; fields: FieldError[] } {
  const result = erpEventSchema.safeParse(body);
  if (result.success) return { ok: true, event: result.data };
  const byField = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.') || '(body)';
    const messages = byField.get(field) ?? [];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) byField.set(field === '(body)' ? key : `${field}.${key}`, ['is not a known field']);
      continue;
    }
    messages.push(issue.message);
    byField.set(field, messages);
  }
  return { ok: false, fields: [...byField].map(([field, messages]) => ({ field, messages })) };
}
