/**
 * Jobs that need someone (ours): `needs_input` — a job with an input channel (`--stdin-pipe`)
 * whose last output looks like a prompt while one of its processes waits to read that channel;
 * `stalled` — no output and no CPU time for `--stall-after`. Observed by whoever looks (a
 * `status`, a `wait`, the extension), from the job's processes and logs: nothing runs while
 * nobody looks. Both clear by themselves when the job moves on.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stripAnsi } from '../../shared/ansi';
import { lossyDecode } from '../logs';
import { waitsOnPipe } from '../process/inputWait';
import { cpuTicks, processTree } from '../process/proc';
import { loadRedactor, redactString } from '../redact';
import type { JobMeta, JobState } from '../schema';
import { writeJsonAtomic } from '../store/atomicWrite';
import { SAFE_READ_FLAGS, type JobPaths } from '../store/jobDir';
import { formatTimestamp } from '../time';
import { killJob } from './kill';

export type AttentionKind = 'needs_input' | 'stalled';

export interface Attention {
  kind: AttentionKind;
  /** When the prompt was written, or the last output or CPU time seen. */
  since: string;
  /** The job's last line of output (masked values hidden). */
  last_line: string;
}

/** A prompt for a secret: whoever answers it should not show what is typed. */
const SECRET_PROMPT = /(?:password|passphrase)[^\n]*:\s*$/i;
export const looksLikeSecretPrompt = (line: string): boolean => SECRET_PROMPT.test(line);

/** Built-in prompt shapes: `[y/N]`, `(yes/no)`, `Password:`, `Continue?`, a line ending in `: ` or `? `, or in a default in parentheses after one (`name: (demo) `). */
const PROMPTS: readonly RegExp[] = [
  /\[[yn]\/[yn]\]\s*:?\s*$/i,
  /\((?:y\/n|yes\/no)\)\s*:?\s*$/i,
  SECRET_PROMPT,
  /continue\?\s*$/i,
  /[:?] $/,
  // A question with its default in parentheses, as npm init and many wizards ask: `package name: (demo) `.
  /[:?] \([^()\n]*\) ?$/,
];

/** The last line of a job's most recent output: a prompt is usually a line without its newline. */
const TAIL_BYTES = 4096;

/** A job's activity as last seen by an observer (`<job>/activity.json`): when it last changed. */
interface Activity {
  ticks: number;
  out: number;
  err: number;
  at_ms: number;
}
const ACTIVITY_FILE = 'activity.json';

async function tailOf(file: string): Promise<{ text: string; mtimeMs: number; size: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, SAFE_READ_FLAGS);
  } catch {
    return { text: '', mtimeMs: 0, size: 0 };
  }
  try {
    const st = await handle.stat();
    const len = Math.min(TAIL_BYTES, st.size);
    const buf = Buffer.alloc(len);
    const { bytesRead } = await handle.read(buf, 0, len, st.size - len);
    return { text: lossyDecode(buf.subarray(0, bytesRead)), mtimeMs: st.mtimeMs, size: st.size };
  } finally {
    await handle.close();
  }
}

/** The last line of `text` (a trailing newline ends it, it does not start an empty one), colours removed. */
function lastLine(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return stripAnsi(body.slice(body.lastIndexOf('\n') + 1).replace(/\r/g, ''));
}

export function looksLikePrompt(line: string, extra?: string): boolean {
  if (line.trim() === '') return false;
  if (PROMPTS.some((p) => p.test(line))) return true;
  if (extra === undefined) return false;
  try {
    return new RegExp(extra).test(line);
  } catch {
    return false;
  }
}

async function readActivity(paths: JobPaths): Promise<Activity | undefined> {
  try {
    const a = JSON.parse(await fs.readFile(path.join(paths.dir, ACTIVITY_FILE), 'utf8')) as Partial<Activity>;
    return [a.ticks, a.out, a.err, a.at_ms].every((n) => typeof n === 'number') ? (a as Activity) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When the job last did something (output or CPU), as far as observers have seen: the first
 * look only starts the clock. Undefined when it did something since the last look.
 */
async function quietSince(paths: JobPaths, pids: number[], out: number, err: number): Promise<number | undefined> {
  const now: Activity = { ticks: cpuTicks(pids), out, err, at_ms: Date.now() };
  const prev = await readActivity(paths);
  if (prev && prev.ticks === now.ticks && prev.out === now.out && prev.err === now.err) return prev.at_ms;
  await writeJsonAtomic(path.join(paths.dir, ACTIVITY_FILE), now).catch(() => undefined);
  return undefined;
}

/** A watcher of a job that asks for attention probes looks this often at most (one cheap probe). */
export const ATTENTION_PROBE_MS = 1000;

/** Whether anything in the job's definition asks for attention probes. */
export const watchesAttention = (meta: JobMeta): boolean => meta.stdin_pipe === true || (meta.stall_after_ms ?? 0) > 0;

/**
 * The job's attention state now, or undefined. A stalled job with `--stall-kill` is killed by the
 * observer that finds it stalled.
 */
export async function observeAttention(root: string, paths: JobPaths, meta: JobMeta, st: JobState): Promise<Attention | undefined> {
  if (st.job.status !== 'running' || !watchesAttention(meta)) return undefined;
  const [out, err] = await Promise.all([tailOf(paths.stdout), tailOf(paths.stderr)]);
  const latest = err.mtimeMs > out.mtimeMs && err.text !== '' ? err : out.text !== '' ? out : err;
  const line = () => loadRedactor(paths.dir).then((r) => redactString(r, lastLine(latest.text)));
  // The workload's tree (kernel child lists): cheap enough for a probe every second.
  const pids = st.pid !== undefined ? processTree(st.pid, st.pid_start_time) : [];

  if (meta.stdin_pipe && looksLikePrompt(lastLine(latest.text), meta.input_prompt)) {
    const fifo = await fs.stat(paths.inputFifo).catch(() => undefined);
    if (fifo?.isFIFO() && waitsOnPipe(pids, fifo.ino)) {
      return { kind: 'needs_input', since: formatTimestamp(latest.mtimeMs), last_line: await line() };
    }
  }
  const stallMs = meta.stall_after_ms ?? 0;
  if (stallMs > 0) {
    const quiet = await quietSince(paths, pids, out.size, err.size);
    if (quiet !== undefined && Date.now() - quiet >= stallMs) {
      if (meta.stall_kill) await killJob(root, paths.id).catch(() => undefined);
      return { kind: 'stalled', since: formatTimestamp(quiet), last_line: await line() };
    }
  }
  return undefined;
}
