import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the SDK keeps what must survive a restart: the clock high-water mark, the last good
 * validation answer, license files, borrow return keys, offline requests. Values are strings.
 * Implement it over the program's own settings store if a directory does not suit.
 */
export interface Storage {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

export class MemoryStorage implements Storage {
  private readonly values = new Map<string, string>();
  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

/** One file per key in a directory (created with mode 0700); writes are atomic (write, then rename). */
export class FileStorage implements Storage {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  }
  private path(key: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new TypeError(`Storage key "${key}" must be [A-Za-z0-9._-]`);
    return join(this.directory, key);
  }
  get(key: string): string | undefined {
    try {
      return readFileSync(this.path(key), 'utf8');
    } catch {
      return undefined;
    }
  }
  set(key: string, value: string): void {
    const path = this.path(key);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, value, { mode: 0o600 });
    renameSync(temporary, path);
  }
  delete(key: string): void {
    rmSync(this.path(key), { force: true });
  }
}
