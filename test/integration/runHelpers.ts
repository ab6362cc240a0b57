/**
 * Shared by the run/create/start/notify/supervisor tests: a scratch root, transcript lookup and
 * normalisation, bounded polling, and the end-of-test sweep that kills what a test started (by
 * pid) and fails if any job process was left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { definitionOf } from '../../src/core/jobSpec';
import { findEnvTagged, isProcessAlive } from '../../src/core/process/proc';
import { runCli, type CliRun } from '../helpers/cli';
import { FIXTURES, tempDir } from '../helpers/tempRoot';

export interface Transcript {
  name: string;
  group: string;
  argv: string[];
  env: Record<string, string>;
  exit_code: number;
  stdout: string;
  stderr_first_line: string;
  notes: string;
  stdin?: string;
}

let transcripts: Map<string, Transcript> | undefined;
export function transcript(name: string): Transcript {
  transcripts ??= new Map(
    readFileSync(path.join(FIXTURES, 'transcripts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Transcript)
      .map((t) => [t.name, t]),
  );
  const t = transcripts.get(name);
  assert.ok(t, `no transcript ${name}`);
  return t;
}

/** A fresh group dir laid out like the harness's: `<TMP>/root`, `<TMP>/work` (the cwd). */
export interface Scratch {
  tmp: string;
  root: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Jobs the test leaves running on purpose: killed (by pid) before the leftover check. */
  killAtEnd: Set<string>;
}

export function scratch(t: TestContext): Scratch {
  const { dir: tmp, cleanup } = tempDir('ae-sup-');
  const root = path.join(tmp, 'root');
  const cwd = path.join(tmp, 'work');
  mkdirSync(cwd);
  const killAtEnd = new Set<string>();
  t.after(async () => {
    for (const id of killAtEnd) killJob(root, id);
    await sweep(root);
    cleanup();
  });
  // No user config.toml may leak into the tests.
  return { tmp, root, cwd, env: { XDG_CONFIG_HOME: path.join(tmp, 'config') }, killAtEnd };
}

/** The built Node supervisor, for tests that launch through the core ops in-process. */
export const SUPERVISOR = path.resolve('dist/supervisor.js');

/** A job definition with agent-exec's defaults (no env, no limits), for the core ops. */
export const definition = definitionOf;

export function jobIds(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n)) : [];
}

export function readJson(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** A file's text, or '' while it does not exist. */
export const readIf = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** The shared bounded poll (test/helpers/poll.ts), under the name these tests use. */
export { poll as until } from '../helpers/poll';

function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/**
 * End of test: lets job processes finish (bounded), then kills any left by pid and asserts that
 * none carried on (no process with AGENT_EXEC_JOB_ID=<id>, no live supervisor).
 */
export async function sweep(root: string, graceMs = 5000): Promise<void> {
  const leftovers: string[] = [];
  for (const id of jobIds(root)) {
    const statePath = path.join(root, id, 'state.json');
    const st = existsSync(statePath) ? readJson(statePath) : {};
    const alive = () => [
      ...findEnvTagged(id),
      ...(st.supervisor_pid && isProcessAlive(st.supervisor_pid, st.supervisor_start_time) ? [st.supervisor_pid as number] : []),
    ];
    const end = Date.now() + graceMs;
    while (alive().length > 0 && Date.now() < end) await delay(25);
    const left = alive();
    if (left.length > 0) leftovers.push(`${id}: ${left.join(',')}`);
    for (const pid of left) kill(pid);
  }
  assert.deepEqual(leftovers, [], 'job processes left behind');
}

/**
 * Kills one job's workload now (its process group and tagged escapees) by pid. The supervisor is
 * left to record the exit and end by itself (sweep waits for it, and kills it if it does not):
 * killed now, its finishing step would be orphaned and write into the job directory while the
 * test removes it.
 */
export function killJob(root: string, id: string): void {
  const st = readJson(path.join(root, id, 'state.json'));
  if (st.pid) kill(-st.pid);
  for (const pid of findEnvTagged(id)) kill(pid);
}

/** Substitutes the harness placeholders in a transcript argv. */
export function argvFor(tr: Transcript, s: { root: string; cwd: string; tmp: string }, idMap: Record<string, string> = {}): string[] {
  return tr.argv.slice(1).map((a) => {
    let arg = a.replaceAll('<ROOT>', s.root).replaceAll('<CWD>', s.cwd).replaceAll('<TMP>', s.tmp);
    for (const [real, ph] of Object.entries(idMap)) arg = arg.replaceAll(ph, real);
    return arg;
  });
}

/**
 * Normalises a CLI answer for comparison with a transcript: paths to placeholders, the job id
 * to the transcript's `<IDn>`, run-to-run values (timestamps, durations, elapsed) to fixed ones,
 * and our optional additions (`timed_out`) dropped. `sizes` also blanks byte counts (outputs
 * that contain the scratch paths, whose length differs from the harness's).
 */
export function normalize(
  stdout: string,
  s: { root: string; cwd: string; tmp: string },
  idMap: Record<string, string> = {},
  sizes = false,
): string {
  let out = stdout.replaceAll(s.root, '<ROOT>').replaceAll(s.cwd, '<CWD>').replaceAll(s.tmp, '<TMP>');
  for (const [real, ph] of Object.entries(idMap)) out = out.replaceAll(real, ph);
  out = out
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, '<TS>')
    .replace(/"(elapsed_ms|waited_ms|duration_ms)": ?\d+/g, '"$1":0')
    .replace(/^(elapsed_ms|waited_ms|duration_ms): \d+$/gm, '$1: 0')
    .replace(/,"timed_out":true/g, '');
  return sizes ? out.replace(/"\w+_range":\[\d+,\d+\]|"\w+_total_bytes":\d+/g, (m) => m.replace(/\d+/g, 'N')) : out;
}

/** Runs a transcript case in `s` and compares the normalised stdout and exit code. */
/**
 * Deliberate deviation (issue 10 item 5): in `run_env_mask` the job prints its masked
 * API_TOKEN; agent-exec 0.2.3 answered with the raw value, ours with `***`.
 */
export function redactedMaskTranscript(stdout: string): string {
  const redacted = stdout.replace('"stdout":"abc 1\\n"', '"stdout":"*** 1\\n"');
  assert.notEqual(redacted, stdout, 'the run_env_mask transcript prints the masked value');
  return redacted;
}

/**
 * Workload edits that keep a record's timing meaning on a loaded machine. run_first_output_running
 * shows `run` returning while the job still runs: its job must outlive the first output by more
 * than run's settle window (OUTPUT_SETTLE_MS) plus scheduling delays, which 0.3 s does not
 * guarantee under load.
 */
export const TIMING_ARGV_EDITS: Record<string, (arg: string) => string> = {
  run_first_output_running: (arg) => arg.replace('echo hi; sleep 0.3', 'echo hi; sleep 3'),
};

export async function checkTranscript(
  name: string,
  s: { root: string; cwd: string; tmp: string; env: NodeJS.ProcessEnv },
  opts: { idMap?: Record<string, string>; sizes?: boolean; expected?: (stdout: string) => string } = {},
): Promise<CliRun> {
  const recorded = transcript(name);
  const tr = opts.expected ? { ...recorded, stdout: opts.expected(recorded.stdout) } : recorded;
  const argv = argvFor(tr, s, opts.idMap).map(TIMING_ARGV_EDITS[name] ?? String);
  const r = await runCli(argv, { cwd: s.cwd, env: { ...s.env, ...tr.env }, input: tr.stdin });
  assert.equal(r.code, tr.exit_code, `${name}: exit code (stderr: ${r.stderr})`);
  const expectedId = /"job_id":"(<ID\d+>)"/.exec(tr.stdout)?.[1] ?? /^job_id: (<ID\d+>)$/m.exec(tr.stdout)?.[1];
  const actualId = /"job_id":"([0-9a-f]{32})"/.exec(r.stdout)?.[1] ?? /^job_id: ([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
  const map = { ...opts.idMap, ...(expectedId && actualId ? { [actualId]: expectedId } : {}) };
  assert.equal(normalize(r.stdout, s, map, opts.sizes), normalize(tr.stdout, s, {}, opts.sizes), `${name}: stdout`);
  if (tr.exit_code === 2) assert.equal(r.stderr.split('\n')[0], tr.stderr_first_line, `${name}: usage error`);
  return r;
}
