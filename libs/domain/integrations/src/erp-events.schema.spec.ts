import { parseErpEvent } from './erp-events.schema';

const orderCreated = (data: Record<string, unknown>) => ({ id: 'evt-1', type: 'order.created', data });

describe('ERP event payloads', () => {
  it('accepts a company order and fills defaults', () => {
    const result = parseErpEvent(
      orderCreated({
        orderId: 'SO-1',
        group: { externalId: 'C-1', name: 'Acme' },
        items: [{ lineId: '10', productCode: 'office', quantity: 5 }],
      }),
    );
    expect(result).toEqual({
      ok: true,
      event: {
        id: 'evt-1',
        type: 'order.created',
        data: {
          orderId: 'SO-1',
          group: { externalId: 'C-1', name: 'Acme' },
          items: [{ lineId: '10', productCode: 'office', quantity: 5, features: [] }],
        },
      },
    });
  });

  it('names each bad field by its path', () => {
    const result = parseErpEvent(
      orderCreated({
        orderId: '',
        user: { externalId: 'U1', email: 'nope', name: 'A' },
        items: [{ lineId: '1', productCode: 'x', quantity: 0, extra: 1 }],
      }),
    );
    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.fields.map((f) => f.field).sort();
    expect(fields).toEqual(['data.items.0.extra', 'data.items.0.quantity', 'data.orderId', 'data.user.email']);
  });

  it('requires a group or a user, unique line ids, a known type and an id', () => {
    const noCustomer = parseErpEvent(
      orderCreated({ orderId: 'SO', items: [{ lineId: '1', productCode: 'x', quantity: 1 }] }),
    );
    expect(noCustomer.ok ? [] : noCustomer.fields.map((f) => f.field)).toEqual(['data.group']);
    const twice = parseErpEvent(
      orderCreated({
        orderId: 'SO',
        user: { externalId: 'U', email: 'u@example.com', name: 'U' },
        items: [
          { lineId: '1', productCode: 'x', quantity: 1 },
          { lineId: '1', productCode: 'y', quantity: 1 },
        ],
      }),
    );
    expect(twice.ok ? [] : twice.fields.map((f) => f.field)).toEqual(['data.items']);
    const unknownType = parseErpEvent({ id: 'e', type: 'order.exploded', data: {} });
    expect(unknownType.ok ? [] : unknownType.fields.map((f) => f.field)).toEqual(['type']);
    const noId = parseErpEvent({ type: 'order.cancelled', data: { orderId: 'SO' } });
    expect(noId.ok ? [] : noId.fields.map((f) => f.field)).toEqual(['id']);
    expect(parseErpEvent('just text').ok).toBe(false);
  });

  it('takes the offline period per line (1–365 days) on order.created and order.changed', () => {
    const line = (offlinePeriodDays: unknown) => ({
      lineId: '10',
      productCode: 'office',
      quantity: 5,
      offlinePeriodDays,
    });
    const group = { externalId: 'C-1', name: 'Acme' };
    expect(parseErpEvent(orderCreated({ orderId: 'SO-1', group, items: [line(7)] })).ok).toBe(true);
    for (const bad of [0, 366, 1.5, '7']) {
      const result = parseErpEvent(orderCreated({ orderId: 'SO-1', group, items: [line(bad)] }));
      expect(result.ok ? [] : result.fields.map((f) => f.field)).toEqual(['data.items.0.offlinePeriodDays']);
    }
    expect(
      parseErpEvent({
        id: 'a',
        type: 'order.changed',
        data: { orderId: 'SO', items: [{ lineId: '1', offlinePeriodDays: 3 }] },
      }).ok,
    ).toBe(true);
    expect(
      parseErpEvent({
        id: 'a',
        type: 'order.changed',
        data: { orderId: 'SO', items: [{ lineId: '1', offlinePeriodDays: 0 }] },
      }).ok,
    ).toBe(false);
  });

  it('accepts the other event types', () => {
    expect(
      parseErpEvent({ id: 'a', type: 'order.changed', data: { orderId: 'SO', items: [{ lineId: '1', quantity: 3 }] } })
        .ok,
    ).toBe(true);
    expect(parseErpEvent({ id: 'b', type: 'order.cancelled', data: { orderId: 'SO', reason: 'refund' } }).ok).toBe(
      true,
    );
    expect(
      parseErpEvent({
        id: 'c',
        type: 'subscription.renewed',
        data: { orderId: 'SO', expiresAt: '2027-01-01T00:00:00Z' },
      }).ok,
    ).toBe(true);
    expect(
      parseErpEvent({ id: 'd', type: 'customer.updated', data: { user: { externalId: 'U', name: 'New' } } }).ok,
    ).toBe(true);
    expect(
      parseErpEvent({ id: 'e', type: 'order.changed', data: { orderId: 'SO', items: [{ lineId: '1' }] } }).ok,
    ).toBe(false);
  });
});
