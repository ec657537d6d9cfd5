import { readFileSync } from 'node:fs';
import { deviceFingerprint, osMachineId } from './fingerprint';

describe('deviceFingerprint', () => {
  it('is stable for a machine and salt, differs by salt and machine, never shows the machine id', () => {
    const a = deviceFingerprint({ salt: 'cargo-office' });
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(deviceFingerprint({ salt: 'cargo-office' })).toBe(a);
    expect(deviceFingerprint({ salt: 'other-product' })).not.toBe(a);
    expect(deviceFingerprint({ salt: 'cargo-office', machineId: 'override-1' })).not.toBe(a);
    expect(deviceFingerprint({ salt: 'cargo-office', machineId: 'override-1' })).toBe(
      deviceFingerprint({ salt: 'cargo-office', machineId: 'override-1' }),
    );
    expect(a).not.toContain(osMachineId().slice(0, 8));
  });

  it('reads the OS machine id (/etc/machine-id on Linux)', () => {
    let expected: string | undefined;
    try {
      expected = readFileSync('/etc/machine-id', 'utf8').trim() || undefined;
    } catch {
      expected = undefined;
    }
    if (process.platform === 'linux' && expected) expect(osMachineId()).toBe(expected);
    else expect(osMachineId().length).toBeGreaterThan(0);
  });
});
