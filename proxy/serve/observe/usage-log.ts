// logs/usage.jsonl writer (docs/CONTRACT.md §5): one append-only file per process, one write per line. The line
// format itself is common/log-schema.ts, shared with the readers.
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { serializeRecord, type RunRecord, type UsageRecord } from '../../common/log-schema.js';
import { rotatedLogPath } from '../../common/logs-layout.js';
import { ensureDir } from '../../common/dirs.js';

/**
 * Appends lines synchronously: each line is in the kernel before the caller goes on, so a decision
 * line is on disk before the upstream is dialled and a SIGKILL cannot hide an in-flight request.
 * A ~300-byte write costs microseconds, far below one upstream round trip. Rotates by size:
 * usage.jsonl → usage.jsonl.1 → … → usage.jsonl.KEEP, the oldest dropped.
 */
export class UsageLog {
  private fd: number | undefined;
  private size = 0;
  /** This run's run line, repeated at the top of every file a rotation starts, so no file lacks it. */
  private runLine: string | undefined;

  constructor(
    readonly path: string,
    private readonly rotation: { maxBytes: number; keep: number } = { maxBytes: 0, keep: 1 },
  ) {
    ensureDir(dirname(path));
    this.open();
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o600);
    chmodSync(this.path, 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const { keep } = this.rotation;
    rmSync(rotatedLogPath(this.path, keep), { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(rotatedLogPath(this.path, i)))
        renameSync(rotatedLogPath(this.path, i), rotatedLogPath(this.path, i + 1));
    }
    renameSync(this.path, rotatedLogPath(this.path, 1));
    this.open();
    if (this.runLine) this.append(this.runLine);
  }

  /** The run line: what this proxy runs with (first line of the run; repeated after each rotation). */
  writeRun(rec: RunRecord): void {
    this.runLine = serializeRecord(rec);
    this.append(this.runLine);
  }

  write(rec: UsageRecord): void {
    this.append(serializeRecord(rec));
  }

  private append(line: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.byteLength(line);
    if (this.rotation.maxBytes > 0 && this.size > 0 && this.size + bytes > this.rotation.maxBytes) this.rotate();
    writeSync(this.fd!, line);
    this.size += bytes;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
