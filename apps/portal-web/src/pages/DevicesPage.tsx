// Devices activated on the group's containers, with Deactivate (frees the slot; counts towards the
// container's activation churn limit). Also used on a container's page and on "My devices".
import { useState } from 'react';
import { all, api } from '../api';
import { Async, ConfirmButton, Notice, PageHeader, Table, useLoad } from '../components';
import { fmtAgo, fmtDateTime } from '../format';
import type { Container, Device } from '../types';

export function DevicesTable({
  devices,
  containerName,
  deactivatePath,
  onDeactivated,
}: {
  devices: Device[];
  containerName?: (id: string) => string;
  deactivatePath: (d: Device) => string;
  onDeactivated: (d: Device) => void;
}) {
  return (
    <Table
      caption="Devices"
      rows={devices}
      rowKey={(d) => d.id}
      columns={[
        { label: 'Device', render: (d) => <strong title={d.fingerprint}>{d.name}</strong> },
        ...(containerName ? [{ label: 'Container', render: (d: Device) => containerName(d.containerId) }] : []),
        { label: 'Platform', render: (d) => d.platform ?? '—' },
        { label: 'Activation', render: (d) => (d.method === 'OFFLINE' ? 'offline (code)' : 'online') },
        { label: 'Activated', render: (d) => fmtDateTime(d.activatedAt) },
        { label: 'Last seen', render: (d) => fmtAgo(d.lastSeenAt) },
        {
          label: 'Action',
          render: (d) =>
            d.active ? (
              <ConfirmButton
                label={
                  <>
                    Deactivate<span className="visually-hidden"> {d.name}</span>
                  </>
                }
                title={`Deactivate ${d.name}?`}
                message={
                  <p>
                    The program on this device stops working and its slot is free for another device. Deactivations
                    count towards a monthly limit per container.
                  </p>
                }
                confirmLabel="Deactivate device"
                onConfirm={async () => {
                  await api('POST', deactivatePath(d));
                  onDeactivated(d);
                }}
              />
            ) : (
              <span className="muted">deactivated {fmtDateTime(d.deactivatedAt)}</span>
            ),
        },
      ]}
    />
  );
}

export function DevicesPage() {
  const [notice, setNotice] = useState<string | null>(null);
  const [history, setHistory] = useState(false);
  const state = useLoad(async () => {
    const containers = await all<Container>('/v1/group/containers');
    const lists = await Promise.all(
      containers.map((c) => all<Device>(`/v1/group/containers/${c.id}/devices`, { includeInactive: history })),
    );
    return { containers, devices: lists.flat() };
  }, [history]);
  return (
    <section>
      <PageHeader title="Devices">
        <label className="inline">
          <input type="checkbox" checked={history} onChange={(e) => setHistory(e.target.checked)} /> Show deactivated
        </label>
      </PageHeader>
      <p className="muted">
        Devices activated on your group's personal containers. Network (seat) containers show their users under
        Sessions.
      </p>
      {notice && <Notice>{notice}</Notice>}
      <Async state={state} isEmpty={(d) => d.devices.length === 0} empty="No devices are activated.">
        {(d) => (
          <DevicesTable
            devices={d.devices}
            containerName={(id) => d.containers.find((c) => c.id === id)?.name ?? id}
            deactivatePath={(dev) => `/v1/group/devices/${dev.id}/deactivate`}
            onDeactivated={(dev) => {
              setNotice(`${dev.name} is deactivated; its slot is free.`);
              state.reload();
            }}
          />
        )}
      </Async>
    </section>
  );
}
