// Host-side cache of the engine process's memory snapshot (Pyodide's private _makeSnapshot/_loadSnapshot).
// The process cannot read or write files outside its two read-only folders, so the host keeps the file and
// hands it over IPC. The key covers everything that shapes the heap: the bundle (which embeds our Python
// files), Pyodide's version and the Node binary; any change makes a new snapshot.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const PREFIX = 'engine-';
const SUFFIX = '.snapshot';

export class SnapshotCache {
  readonly file: string;

  constructor(private readonly dir: string, bundlePath: string, pyodideDir: string) {
    const hash = createHash('sha256');
    hash.update(fs.readFileSync(bundlePath));
    hash.update(fs.readFileSync(path.join(pyodideDir, 'package.json')));
    hash.update(`${process.version} ${process.arch} ${process.platform}`);
    this.file = path.join(dir, `${PREFIX}${hash.digest('hex').slice(0, 20)}${SUFFIX}`);
  }

  read(): Uint8Array | undefined {
    try {
      return new Uint8Array(fs.readFileSync(this.file));
    } catch {
      return undefined;
    }
  }

  /** Atomic (temp file in the same folder, then rename); older snapshots are removed. */
  write(data: Uint8Array): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, this.file);
    for (const name of fs.readdirSync(this.dir)) {
      const full = path.join(this.dir, name);
      if (name.startsWith(PREFIX) && name.endsWith(SUFFIX) && full !== this.file) fs.rmSync(full, { force: true });
    }
  }

  drop(): void {
    fs.rmSync(this.file, { force: true });
  }
}
