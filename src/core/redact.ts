/**
 * Masked values kept out of what is returned or shown (issue 10): a job that prints the value
 * of a `--mask`ed key (given with `--env` or read from an `--env-file`, or an agent's env entry)
 * shows `***` in its place in every log read (core/logs.ts: run/start/tail answers, MCP, HTTP,
 * Copilot, the panel, the log editor), as CI systems mask secrets. The log files keep the raw
 * bytes. Values shorter than MIN_REDACTED_LENGTH characters are left alone (masking `1` or
 * `ab` everywhere would destroy the output); a multi-line value is also masked line by line.
 *
 * The values themselves are never stored: at launch, `redact.json` (0600) in the job directory
 * records, per value, its byte length, a rolling fingerprint (to find candidates in one pass)
 * and an HMAC-SHA256 under a per-job random key (to confirm them). A reader in any process
 * (CLI, server, extension) finds the values in a log without learning them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './store/atomicWrite';

export const REDACT_FILE = 'redact.json';
export const REDACTED = '***';
export const MIN_REDACTED_LENGTH = 3;

/** Stand-in for a damaged record: every range is covered. */
const EVERYTHING: Redactor = {
  margin: 0,
  coveredRuns: (_bytes, from, to) => (to > from ? [[0, to - from]] : []),
};

interface RedactRecord {
  key: string;
  base: number;
  values: { length: number; fingerprint: number; digest: string }[];
}

/** `base^length` in 32-bit wrapping arithmetic. */
function power(base: number, length: number): number {
  let p = 1;
  for (let i = 0; i < length; i++) p = Math.imul(p, base);
  return p;
}

/** Polynomial hash of `bytes[from, from + length)` mod 2^32. */
function fingerprint(bytes: Uint8Array, from: number, length: number, base: number): number {
  let h = 0;
  for (let i = from; i < from + length; i++) h = (Math.imul(h, base) + bytes[i]) | 0;
  return h;
}

const digestOf = (key: Buffer, bytes: Uint8Array) => createHmac('sha256', key).update(bytes).digest();

/** The masked values of a workload environment: those of the `mask` keys, and the lines of multi-line ones. */
export function maskedValues(mask: readonly string[], env: Readonly<Record<string, string>>): string[] {
  const values = new Set<string>();
  for (const k of mask) {
    const v = env[k];
    if (v === undefined) continue;
    for (const part of [v, ...v.split(/\r?\n/)]) if (part.length >= MIN_REDACTED_LENGTH) values.add(part);
  }
  return [...values];
}

/** Writes `redact.json` for the values (nothing when there are none). Call before the workload starts. */
export async function recordMaskedValues(jobDir: string, values: readonly string[]): Promise<void> {
  if (values.length === 0) return;
  const key = randomBytes(32);
  const base = randomBytes(4).readInt32LE() | 1;
  const record: RedactRecord = {
    key: key.toString('hex'),
    base,
    values: values.map((v) => {
      const bytes = Buffer.from(v, 'utf8');
      return { length: bytes.length, fingerprint: fingerprint(bytes, 0, bytes.length, base), digest: digestOf(key, bytes).toString('hex') };
    }),
  };
  await writeFileAtomic(path.join(jobDir, REDACT_FILE), JSON.stringify(record));
}

export interface Redactor {
  /** Bytes of context a reader adds on each side of a range so that a value cut by its edge is found. */
  readonly margin: number;
  /**
   * The runs of `[from, to)` of `bytes` covered by a masked value (which may start before
   * `from` or end after `to`), relative to `from`, sorted and merged.
   */
  coveredRuns(bytes: Uint8Array, from: number, to: number): [number, number][];
}

class DigestRedactor implements Redactor {
  private readonly key: Buffer;
  private readonly byLength = new Map<number, { fingerprints: Set<number>; digests: Buffer[] }>();
  readonly margin: number;

  constructor(private readonly record: RedactRecord) {
    this.key = Buffer.from(record.key, 'hex');
    for (const v of record.values) {
      const entry = this.byLength.get(v.length) ?? { fingerprints: new Set<number>(), digests: [] };
      entry.fingerprints.add(v.fingerprint);
      entry.digests.push(Buffer.from(v.digest, 'hex'));
      this.byLength.set(v.length, entry);
    }
    this.margin = Math.max(0, ...this.byLength.keys()) - 1;
  }

  coveredRuns(bytes: Uint8Array, from: number, to: number): [number, number][] {
    const hits: [number, number][] = [];
    const { base } = this.record;
    for (const [length, { fingerprints, digests }] of this.byLength) {
      if (bytes.length < length) continue;
      const drop = power(base, length);
      let h = fingerprint(bytes, 0, length, base);
      for (let i = 0; ; i++) {
        if (i + length > from && i < to && fingerprints.has(h)) {
          const d = digestOf(this.key, bytes.subarray(i, i + length));
          if (digests.some((x) => timingSafeEqual(x, d))) hits.push([Math.max(i, from) - from, Math.min(i + length, to) - from]);
        }
        if (i + length >= bytes.length) break;
        h = (Math.imul(h, base) - Math.imul(bytes[i], drop) + bytes[i + length]) | 0;
      }
    }
    hits.sort((a, b) => a[0] - b[0]);
    const runs: [number, number][] = [];
    for (const [a, b] of hits) {
      const last = runs[runs.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else runs.push([a, b]);
    }
    return runs;
  }
}

function isRecord(v: unknown): v is RedactRecord {
  const r = v as RedactRecord;
  return (
    !!r &&
    typeof r.key === 'string' &&
    Number.isInteger(r.base) &&
    Array.isArray(r.values) &&
    r.values.every((x) => Number.isInteger(x?.length) && x.length > 0 && Number.isInteger(x.fingerprint) && typeof x.digest === 'string')
  );
}

/**
 * `bytes` as text with the runs the redactor finds replaced by `***`; `before`/`after` are context
 * bytes around them (a value cut by their edge is still found), never part of the text.
 */
export function redactBytes(
  redactor: Redactor,
  bytes: Buffer,
  decode: (b: Buffer) => string,
  before: Buffer = Buffer.alloc(0),
  after: Buffer = Buffer.alloc(0),
): string {
  const runs = redactor.coveredRuns(Buffer.concat([before, bytes, after]), before.length, before.length + bytes.length);
  let text = '';
  let at = 0;
  for (const [a, b] of runs) {
    text += decode(bytes.subarray(at, a)) + REDACTED;
    at = b;
  }
  return text + decode(bytes.subarray(at));
}

/** A job's text (a process's command line) with its masked values redacted. */
export const redactString = (redactor: Redactor | undefined, text: string): string =>
  redactor ? redactBytes(redactor, Buffer.from(text), (b) => b.toString('utf8')) : text;

/** The job's redactor, or undefined when it masks nothing (or is a job of agent-exec itself). */
export async function loadRedactor(jobDir: string): Promise<Redactor | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(jobDir, REDACT_FILE), 'utf8');
  } catch (err) {
    // No record: the job masks nothing. A record that cannot be read (EACCES, EISDIR, EIO…) may
    // still name values: hide everything rather than show them.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : EVERYTHING;
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    record = undefined;
  }
  // A damaged record hides everything rather than nothing: the masked values cannot be told apart.
  if (!isRecord(record)) return EVERYTHING;
  return record.values.length > 0 ? new DigestRedactor(record) : undefined;
}
