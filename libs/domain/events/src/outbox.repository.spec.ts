import { withDerivedEvents } from './outbox.repository';
import { DomainEventInput } from './domain-event.types';

const licenseChanged: DomainEventInput = {
  type: 'license.changed',
  aggregateType: 'license',
  aggregateId: 'lic-1',
  payload: { licenseId: 'lic-1', containerId: 'con-1', revision: 4 },
};

describe('derived outbox events', () => {
  it('announces container.updated after every license change, naming the cause and revision', () => {
    expect(withDerivedEvents([licenseChanged])).toEqual([
      licenseChanged,
      {
        type: 'container.updated',
        aggregateType: 'container',
        aggregateId: 'con-1',
        payload: { containerId: 'con-1', licenseId: 'lic-1', cause: 'license.changed', revision: 4 },
      },
    ]);
    for (const type of [
      'license.created',
      'license.renewed',
      'license.expired',
      'license.suspended',
      'license.resumed',
      'license.revoked',
    ] as const) {
      expect(withDerivedEvents([{ ...licenseChanged, type }]).map((e) => e.type)).toEqual([type, 'container.updated']);
    }
  });

  it('derives nothing from other events or from license events without a container', () => {
    const seat: DomainEventInput = {
      type: 'seat.checked_out',
      aggregateType: 'seat',
      aggregateId: 's',
      payload: { containerId: 'con-1' },
    };
    expect(withDerivedEvents([seat])).toEqual([seat]);
    const bare: DomainEventInput = { ...licenseChanged, payload: { licenseId: 'lic-1' } };
    expect(withDerivedEvents([bare])).toEqual([bare]);
  });
});
