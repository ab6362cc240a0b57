/**
 * Ready as a state of a running job (ours; agent-exec 0.2.3 ignores the `ready` key of meta.json
 * and the `ready.json` file). A job may declare how it becomes ready: a socket of its process
 * tree listens on a port, a URL answers below 500, a line of its logs matches a pattern; all
 * that are given must hold. Readiness is observed from the store, the job's processes and its
 * logs by whoever looks (`status`, `list`, `wait --until-ready`, the extension), never by the
 * supervisor, and the first observer records the verdict once in `ready.json`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stripAnsi } from '../../shared/ansi';
import { JobError } from '../errors';
import { lossyDecode } from '../logs';
import { ageMs } from '../process/identity';
import { listeningSockets, socketUseStamp } from '../process/ports';
import { hasProcFs } from '../process/proc';
import type { JobMeta, JobState, ReadySpec } from '../schema';
import { createFileOnce, writeFileAtomic } from '../store/atomicWrite';
import { SAFE_READ_FLAGS, type JobPaths } from '../store/jobDir';
import { readCurrentState } from '../store/stateFile';
import { formatTimestamp, nowTimestamp } from '../time';
import { LIVENESS_TICK_MS } from './jobWatch';
import { killJob } from './kill';
import { jobPorts } from './ports';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

export type ReadyState = 'pending' | 'ready' | 'timed_out';

/** The optional answer fields: `ready`, and `ready_at` once it is ready. */
export interface ReadyFields {
  ready: ReadyState;
  ready_at?: string;
}

/** `ready.json`: the verdict, written once by the first observer that reached it. */
interface ReadyRecord {
  state: 'ready' | 'timed_out';
  at: string;
  /** The workload the verdict is about: a verdict written late about an earlier attempt is ignored. */
  pid?: number;
}

const READY_FILE = 'ready.json';
/** An HTTP probe gets this long to answer; it is retried no more often than this. */
const HTTP_PROBE_TIMEOUT_MS = 1000;
const HTTP_PROBE_EVERY_MS = 100;
/** A log scanned by one observer: the last this many bytes of each stream at most. */
const LOG_SCAN_MAX_BYTES = 16 * 1024 * 1024;
const LOG_CHUNK_BYTES = 256 * 1024;
const MATCH_MAX_CHARS = 4096;

/** What is wrong with a ready port / URL / pattern (the CLI's flag validators and checkReadySpec share them). */
export const readyPortProblem = (port: number): string | undefined =>
  Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'expected a port number from 1 to 65535';

export function readyUrlProblem(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'expected an http:// or https:// URL';
  } catch {
    return 'expected an http:// or https:// URL';
  }
}

/** What is wrong with a pattern a caller gives (`--ready-log`, `--input-prompt` and their agent fields). */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Checks a ready spec given by an agent surface: `invalid_request` naming the field. */
export function checkReadySpec(spec: ReadySpec): ReadySpec {
  const problems: [string, string | undefined][] = [
    ['ready_port', spec.port !== undefined ? readyPortProblem(spec.port) : undefined],
    ['ready_http', spec.http !== undefined ? readyUrlProblem(spec.http) : undefined],
    ['ready_log', spec.log !== undefined ? regexProblem(spec.log) : undefined],
    [
      'ready_timeout',
      spec.timeout_ms !== undefined && !(Number.isSafeInteger(spec.timeout_ms) && spec.timeout_ms > 0)
        ? 'expected a positive duration'
        : undefined,
    ],
  ];
  for (const [field, problem] of problems) if (problem) throw new JobError('invalid_request', `invalid ${field}: ${problem}`);
  if (!hasReadyCondition(spec) && (spec.timeout_ms !== undefined || spec.timeout_kill))
    throw new JobError('invalid_request', READY_TIMEOUT_ALONE);
  return spec;
}

export const READY_TIMEOUT_ALONE = 'a ready timeout needs a ready condition (a ready port, URL or log pattern)';
/** The CLI's ready condition flags, for the errors that ask for one. */
const READY_FLAGS = '--ready-port, --ready-http or --ready-log';
export const NO_READY_CONDITION = `needs a ready condition (${READY_FLAGS})`;

/** `invalid_state` for a wait on the readiness of a job that declares none. */
export const declaresNoReadiness = (id: string): JobError =>
  new JobError('invalid_state', `job ${id} declares no ready condition (${READY_FLAGS} when it is run or created)`);

/** True when the spec declares at least one condition. */
export const hasReadyCondition = (spec: ReadySpec | undefined): boolean =>
  spec !== undefined && (spec.port !== undefined || spec.http !== undefined || spec.log !== undefined);

async function readRecord(paths: JobPaths): Promise<ReadyRecord | undefined> {
  try {
    const handle = await fs.open(path.join(paths.dir, READY_FILE), SAFE_READ_FLAGS);
    try {
      const rec = JSON.parse(await handle.readFile('utf8')) as Partial<ReadyRecord>;
      return (rec.state === 'ready' || rec.state === 'timed_out') && typeof rec.at === 'string' ? (rec as ReadyRecord) : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Records the verdict unless another observer was first; returns the verdict that stands. */
async function record(paths: JobPaths, rec: ReadyRecord): Promise<ReadyRecord> {
  const file = path.join(paths.dir, READY_FILE);
  if (await createFileOnce(file, JSON.stringify(rec)).catch(() => false)) return rec;
  const stands = await readRecord(paths);
  // A verdict about an earlier attempt's workload, written after the rerun archived its own: replaced.
  if (stands?.pid !== undefined && rec.pid !== undefined && stands.pid !== rec.pid) {
    await writeFileAtomic(file, JSON.stringify(rec)).catch(() => undefined);
    return rec;
  }
  return stands ?? rec;
}

/** Scans one log for a line matching the pattern, from where the last call stopped. */
class LogScan {
  private offset = -1;
  private partial = '';
  constructor(
    private readonly file: string,
    private readonly pattern: RegExp,
  ) {}

  /**
   * A caller's pattern against one line, colours removed and cut to its first 4 KiB: a pattern
   * that backtracks badly must not meet an unbounded line (a minified bundle printed whole).
   */
  private matches(line: string): boolean {
    return this.pattern.test(stripAnsi(line.length > MATCH_MAX_CHARS ? line.slice(0, MATCH_MAX_CHARS) : line));
  }

  async matched(): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file, SAFE_READ_FLAGS);
    } catch {
      return false;
    }
    try {
      const { size } = await handle.stat();
      if (this.offset < 0 || size < this.offset) {
        this.offset = Math.max(0, size - LOG_SCAN_MAX_BYTES);
        this.partial = '';
      }
      const chunk = Buffer.alloc(LOG_CHUNK_BYTES);
      while (this.offset < size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = (this.partial + lossyDecode(chunk.subarray(0, bytesRead))).split('\n');
        this.partial = lines.pop() ?? '';
        if (lines.some((l) => this.matches(l))) return true;
      }
      // A line still being written (a prompt-like "ready" without a newline) counts too.
      return this.partial !== '' && this.matches(this.partial);
    } finally {
      await handle.close();
    }
  }
}

/**
 * The status a URL answers a GET with (redirects not followed), undefined when it does not
 * answer in time. The certificate of an https URL is not checked, as Kubernetes' HTTPS probes do
 * not check it: dev servers use self-signed ones, and the probe only asks whether one answers.
 */
function probeStatus(url: string): Promise<number | undefined> {
  // Loaded here, by require: http and tls would cost every CLI call their start-up, and only URL
  // probes need them (the CLI bundle runs from a code cache, where `import()` has no loader).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { get } = url.startsWith('https:') ? (require('node:https') as typeof Https) : (require('node:http') as typeof Http);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Promise((resolve) => {
    const signal = AbortSignal.timeout(HTTP_PROBE_TIMEOUT_MS);
    const req = get(url, { agent: false, rejectUnauthorized: false, signal }, (res) => {
      resolve(res.statusCode);
      res.destroy();
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve(undefined));
  });
}

/**
 * One observer's view of a job's readiness. Keeps what it learnt (log offsets, a matched log,
 * the time of the last HTTP probe) so that an observer that looks often pays for new bytes only.
 */
export class ReadyProbe {
  private logMatched = false;
  private readonly scans: LogScan[];
  private lastHttp = 0;
  /** The socket counts at the last read of the socket tables, and its time. */
  private portStamp?: string;
  private portReadAt = 0;
  constructor(
    private readonly paths: JobPaths,
    readonly spec: ReadySpec,
  ) {
    const pattern = spec.log !== undefined ? new RegExp(spec.log) : undefined;
    this.scans = pattern ? [new LogScan(paths.stdout, pattern), new LogScan(paths.stderr, pattern)] : [];
  }

  /** How often a waiter should look again when no file event comes (ports and URLs make none). */
  get pollMs(): number | undefined {
    if (this.spec.port !== undefined) return 20;
    if (this.spec.http !== undefined) return HTTP_PROBE_EVERY_MS;
    return undefined;
  }

  private async logHolds(): Promise<boolean> {
    if (this.logMatched || this.scans.length === 0) return true;
    for (const scan of this.scans) if (await scan.matched()) this.logMatched = true;
    return this.logMatched;
  }

  private portHolds(st: JobState): boolean {
    const port = this.spec.port;
    if (port === undefined) return true;
    // Reading /proc/net/tcp walks the kernel's whole connection hash table (milliseconds on a
    // large machine, at every tick): only when the socket counts moved since the last read, and
    // at the liveness pace in case a bind and a close cancelled out.
    const stamp = socketUseStamp();
    const now = Date.now();
    if (stamp !== undefined && stamp === this.portStamp && now - this.portReadAt < LIVENESS_TICK_MS) return false;
    this.portStamp = stamp;
    this.portReadAt = now;
    // Only the sockets on the port, and the job's processes only when there is one.
    return jobPorts(st, { sockets: listeningSockets(port) }).length > 0;
  }

  private async httpHolds(): Promise<boolean> {
    if (this.spec.http === undefined) return true;
    const now = Date.now();
    if (now - this.lastHttp < HTTP_PROBE_EVERY_MS) return false;
    this.lastHttp = now;
    const status = await probeStatus(this.spec.http);
    return status !== undefined && status < 500;
  }

  /** True when every declared condition holds now (the log condition stays true once met). */
  async holds(st: JobState): Promise<boolean> {
    return (await this.logHolds()) && this.portHolds(st) && (await this.httpHolds());
  }

  /**
   * The job's readiness: the recorded verdict, or a look now (recorded when it is one). A job
   * that is not running and was never ready stays `pending` (its state says it ended).
   * `onTimedOut` runs once, for the observer that recorded the timeout (kill with
   * `timeout_kill`).
   */
  async observe(st: JobState, onTimedOut?: () => Promise<void>): Promise<ReadyFields> {
    const rec = await readRecord(this.paths);
    if (rec && (rec.pid === undefined || st.pid === undefined || rec.pid === st.pid)) return fieldsOf(rec);
    if (st.job.status !== 'running') return { ready: 'pending' };
    const about = st.pid !== undefined ? { pid: st.pid } : {};
    if (await this.holds(st)) return fieldsOf(await record(this.paths, { state: 'ready', at: nowTimestamp(), ...about }));
    const ranMs = runningForMs(st);
    if (this.spec.timeout_ms !== undefined && ranMs !== undefined && ranMs >= this.spec.timeout_ms) {
      const mine = { state: 'timed_out' as const, at: formatTimestamp(Date.now()), ...about };
      const stands = await record(this.paths, mine);
      if (stands === mine && onTimedOut) await onTimedOut();
      return fieldsOf(stands);
    }
    return { ready: 'pending' };
  }
}

/**
 * How long the job has run: from its workload's /proc start time (10 ms steps) when recorded;
 * else from `started_at`, whose whole seconds drop up to 999 ms, counted for the job so that a
 * ready timeout passes late rather than early.
 */
function runningForMs(st: JobState): number | undefined {
  if (hasProcFs && st.pid_start_time !== undefined) return ageMs(st.pid_start_time);
  const started = st.job.started_at !== undefined ? Date.parse(st.job.started_at) : NaN;
  return Number.isFinite(started) ? Date.now() - started - 999 : undefined;
}

const fieldsOf = (rec: ReadyRecord): ReadyFields => (rec.state === 'ready' ? { ready: 'ready', ready_at: rec.at } : { ready: 'timed_out' });

/** True when readiness is decided: the job is ready or its ready timeout passed. */
export const readyDecided = (f: ReadyFields | undefined): boolean => f !== undefined && f.ready !== 'pending';

/** The spec of a job, or undefined when it declares no readiness. */
export const readySpecOf = (meta: JobMeta): ReadySpec | undefined => (hasReadyCondition(meta.ready) ? meta.ready : undefined);

/** A look at a job's readiness: the answer's fields (undefined when it declares none) and the job's state after the look. */
export interface ReadyLook {
  ready?: ReadyFields;
  state: JobState;
}

/**
 * A job's readiness for an answer, killing the job when this look records its ready timeout and
 * it asked for that (`--ready-timeout-kill`); the state returned is then the one after the kill.
 */
export async function observeReady(root: string, paths: JobPaths, meta: JobMeta, st: JobState, probe?: ReadyProbe): Promise<ReadyLook> {
  const spec = readySpecOf(meta);
  if (!spec) return { state: st };
  const p = probe ?? new ReadyProbe(paths, spec);
  let killed = false;
  const kill = async () => {
    await killJob(root, paths.id);
    killed = true;
  };
  const ready = await p.observe(st, spec.timeout_kill ? kill : undefined);
  return { ready, state: killed ? await readCurrentState(paths) : st };
}
