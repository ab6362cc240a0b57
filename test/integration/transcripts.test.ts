/**
 * Compatibility harness: replays every record of the agent-exec 0.2.3 transcripts
 * (test/fixtures/agent-exec-0.2.3/transcripts.jsonl) IN ORDER through the built CLI, one fresh
 * root per group, and compares exit code, stdout (JSON after normalising run-to-run values) and,
 * for usage errors, the first stderr line.
 *
 * Nothing is skipped silently:
 * - a record that cannot be replayed (its subcommand missing from our --help, or an id no earlier
 *   record produced) fails, naming why.
 * - DEVIATIONS: our intentional improvements; each has a one-line reason and its own check of
 *   what we do instead.
 * - OPEN: known incompatibilities that someone still has to fix (TODO, with the owner).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { isProcessAlive } from '../../src/core/process/proc';
import { formatTimestamp } from '../../src/core/time';
import { CLI, runCli, type CliRun } from '../helpers/cli';
import { FIXTURES } from '../helpers/tempRoot';
import { jobIds, killJob, readJson, redactedMaskTranscript, sweep, TIMING_ARGV_EDITS, until, type Transcript } from './runHelpers';

const RECORDS: Transcript[] = readFileSync(path.join(FIXTURES, 'transcripts.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Transcript);

interface Group {
  name: string;
  tmp: string;
  root: string;
  cwd: string;
  /** `<IDn>` number → our id. */
  ids: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------
// What the original harness set up by hand (inferred from the records' notes)

/** Files and directories a group's cases need before its first record. */
const GROUP_SETUP: Record<string, (g: Group) => void> = {
  'g02-run': (g) => mkdirSync(path.join(g.cwd, 'sub dir')),
  'g03-run-options': (g) => {
    writeFileSync(path.join(g.cwd, 'vars.env'), 'FOO=bar\n# comment\n\n  BAZ=qux=1  \nNOEQ\nQUOTED="q"\n');
    writeFileSync(path.join(g.cwd, 'input.txt'), 'from file\n');
  },
  'g07-list': (g) => mkdirSync(path.join(g.tmp, 'other')),
};

const id = (g: Group, n: number): string => {
  const v = g.ids.get(String(n));
  assert.ok(v, `<ID${n}> is not known yet`);
  return v;
};
const statePath = (g: Group, n: number) => path.join(g.root, id(g, n), 'state.json');

/** Rewrites a finished job's timestamps (the transcript relied on wall-clock gaps between records). */
function stampFinished(g: Group, n: number, atMs: number): void {
  const st = readJson(statePath(g, n));
  const ts = formatTimestamp(atMs);
  st.finished_at = ts;
  st.updated_at = ts;
  writeFileSync(statePath(g, n), JSON.stringify(st, null, 2));
}

/**
 * ID56 "just finished": gc with --older-than 1s must find it too recent, as it did in the
 * transcript. Stamped a minute ahead so that a slow CLI start on a loaded machine cannot age it.
 */
const ID56_JUST_FINISHED = (g: Group) => stampFinished(g, 56, Date.now() + 60_000);

/** State the original harness created by hand before a record. */
const BEFORE: Record<string, (g: Group) => void | Promise<void>> = {
  // "root also holds dir 'not-a-job' and 'badstate…' (copy of the running job with corrupt state.json)"
  list_default_cwd_scope: (g) => {
    mkdirSync(path.join(g.root, 'not-a-job'));
    const bad = path.join(g.root, 'badstate000000000000000000000000');
    cpSync(path.join(g.root, id(g, 51)), bad, { recursive: true });
    writeFileSync(path.join(bad, 'state.json'), '{not json');
  },
  // The transcript's gc cases ran ≥2 s after ID54/ID55 finished and <1 s after ID56 did.
  gc_setup_running: (g) => {
    stampFinished(g, 54, Date.now() - 3 * 3600_000);
    stampFinished(g, 55, Date.now() - 2 * 3600_000);
  },
  gc_older_than_1s_max_jobs_1_dry_run: ID56_JUST_FINISHED,
  gc_max_bytes_dry_run: ID56_JUST_FINISHED,
  gc_older_than_1s: ID56_JUST_FINISHED,
  // "hand-made dirs deadbeef…0a (copy of a real job) and deadbeef…0b (empty dir)"
  ambiguous_job_id: (g) => {
    cpSync(path.join(g.root, id(g, 59)), path.join(g.root, 'deadbeef00000000000000000000000a'), { recursive: true });
    mkdirSync(path.join(g.root, 'deadbeef00000000000000000000000b'));
  },
  // "state.json overwritten by harness with truncated JSON"
  corrupt_state_status: (g) => writeFileSync(statePath(g, 59), `{"job":{"id":"${id(g, 59).slice(0, 20)}`),
  // "supervisor and workload were SIGKILLed by the harness"
  // (supervisor first, so that nothing records the workload's death)
  status_stale_running: async (g) => {
    const st = readJson(statePath(g, 47));
    process.kill(st.supervisor_pid, 'SIGKILL');
    await until('the supervisor to die', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
    process.kill(-st.pid, 'SIGKILL');
    await until('the workload to die', () => !isProcessAlive(st.pid, st.pid_start_time));
  },
};

/** Sends `signal` to a job's workload process group (by the pid in its state.json). */
const signalWorkload = (g: Group, n: number, signal: NodeJS.Signals) => process.kill(-readJson(statePath(g, n)).pid, signal);

/** Run after a record (and before its answer is compared). */
const AFTER: Record<string, (g: Group) => void> = {
  // The transcript's job (sleep 1.5) was still running for status_running and until the 1 s
  // wait_until_short_running gave up. Freeze it for those records so that holds whatever the
  // machine's load, then let it finish.
  run_for_status: (g) => signalWorkload(g, 37, 'SIGSTOP'),
  wait_until_short_running: (g) => signalWorkload(g, 37, 'SIGCONT'),
};

/** Records that ran in another directory than `<CWD>` (from their notes). */
const CWD_OF: Record<string, (g: Group) => string> = { delete_all_other_cwd: (g) => g.tmp };

/**
 * Groups whose job-creating records each start in a new wall-clock second, as they did in the
 * transcript (its harness waited ~1 s per job): `list` sorts by second-resolution started_at.
 */
const SECOND_ALIGNED = new Set(['g07-list']);

// ---------------------------------------------------------------------------------------------
// Intentional deviations (agent-exec-compat.md §10) and open incompatibilities

interface Deviation {
  why: string;
  /** What we do instead. */
  check: (r: CliRun, g: Group) => void;
}

const errorCode = (code: string) => (r: CliRun) => {
  assert.equal(r.code, 1);
  assert.equal(r.json?.error?.code, code, r.stdout);
};

const DEVIATIONS: Record<string, Deviation> = {
  run_env_mask: {
    why: "issue 10 item 5: the job prints its --mask'ed API_TOKEN; the run answer shows *** instead of the value (the log keeps it)",
    check: (r, g) => {
      const rec = RECORDS.find((x) => x.name === 'run_env_mask')!;
      compare({ ...rec, stdout: redactedMaskTranscript(rec.stdout) }, r, g);
    },
  },
  schema_missing_file: {
    why: '§10.20: the schema is embedded in the bundle, so `schema` works wherever the CLI is installed',
    check: (r) => {
      assert.equal(r.code, 0);
      assert.equal(r.json.type, 'schema');
      assert.equal(r.json.generated_at, '2026-02-19T00:00:00Z');
    },
  },
  status_stale_running: {
    why: '§10.1: a job whose supervisor and workload are gone is reported failed (with `error`), never running forever',
    check: (r) => {
      assert.equal(r.code, 0);
      assert.equal(r.json.state, 'failed');
      assert.match(r.json.error, /supervisor|gone/);
    },
  },
  wait_stale_until_1: {
    why: '§10.1: wait on a lost job returns at once with failed instead of waiting for --until',
    check: (r) => {
      assert.equal(r.code, 0);
      assert.equal(r.json.state, 'failed');
      assert.ok(r.json.error);
    },
  },
  ambiguous_job_id: {
    why: '§10.18: an empty directory is not a job, so the prefix names only the real job (deadbeef…0a)',
    check: (r) => {
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.json.state, 'exited');
    },
  },
  ambiguous_job_id_tail: {
    why: '§10.18: an empty directory is not a job, so the prefix names only the real job (deadbeef…0a)',
    check: (r) => {
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.json.job_id, 'deadbeef00000000000000000000000a');
    },
  },
  kill_unknown_signal_FOO: {
    why: 'issue 3 item 5: an unknown signal name is an invalid_signal error, not a silent SIGKILL',
    check: (r, g) => {
      errorCode('invalid_signal')(r);
      // The transcript's job died here; end ours the same way (by pid).
      killJob(g.root, id(g, 43));
    },
  },
  empty_dir_status: {
    why: '§10.18: a directory without meta.json/state.json is not a job: job_not_found instead of a bare ENOENT internal_error',
    check: errorCode('job_not_found'),
  },
  corrupt_state_status: {
    why: "corrupt state.json: same internal_error code, our message names the file instead of serde's text",
    check: (r) => {
      errorCode('internal_error')(r);
      assert.match(r.json.error.message, /state\.json/);
    },
  },
  corrupt_state_wait: {
    why: "corrupt state.json: same internal_error code, our message names the file instead of serde's text",
    check: (r) => {
      errorCode('internal_error')(r);
      assert.match(r.json.error.message, /state\.json/);
    },
  },
  corrupt_state_kill: {
    why: "corrupt state.json: same internal_error code, our message names the file instead of serde's text",
    check: (r) => {
      errorCode('internal_error')(r);
      assert.match(r.json.error.message, /state\.json/);
    },
  },
};

/**
 * Our optional additions, by response type: always after agent-exec's keys, dropped before
 * comparing. kill adds escalated/signalled/survivors (issue 3 item 5); run/start add
 * timed_out (item 7); status/wait add error on failed jobs (item 1).
 */
const OUR_KEYS: Record<string, readonly string[]> = {
  kill: ['escalated', 'signalled', 'survivors'],
  run: ['timed_out'],
  start: ['timed_out'],
  status: ['error'],
  wait: ['error'],
};

/**
 * kill's terminated_signal is the name kill wrote or the supervisor's number, whichever record
 * was read (a race in agent-exec itself, fixtures README observation 1).
 */
const SIGNAL_NAMES: Record<string, string> = { '15': 'TERM', '2': 'INT', '9': 'KILL' };

/** Known incompatibilities still to fix, by owner: run as TODO so they are visible, not hidden. */
const OPEN: Record<string, string> = {};

// ---------------------------------------------------------------------------------------------
// Normalisation and comparison

const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g;
const VOLATILE_NUMBERS = new Set(['elapsed_ms', 'waited_ms', 'duration_ms', 'observed_within_ms', 'pid', 'bytes', 'freed_bytes']);

function substitute(text: string, g: Group): string {
  return text
    .replaceAll('<ROOT>', g.root)
    .replaceAll('<CWD>', g.cwd)
    .replaceAll('<TMP>', g.tmp)
    .replace(/<ID(\d+)(?::(\d+))?>/g, (m, n: string, len?: string) => {
      const real = g.ids.get(n);
      return real ? real.slice(0, len ? Number(len) : undefined) : m;
    });
}

/** Volatile values → placeholders, key order kept; `jobs` arrays of scans become sorted multisets. */
function normalise(v: unknown, key = '', type = ''): unknown {
  if (typeof v === 'string') return v.replace(TIMESTAMP, '<TS>');
  if (typeof v === 'number') return VOLATILE_NUMBERS.has(key) ? '<N>' : v;
  if (Array.isArray(v)) {
    const items = v.map((x) => normalise(x, '', type));
    // Scan order (gc, delete --all) and second-resolution ties (list) are not reproducible.
    return key === 'jobs' && ['list', 'gc', 'delete'].includes(type)
      ? items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
      : items;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const t = typeof o.type === 'string' ? o.type : type;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, normalise(x, k, t)]));
  }
  return v;
}

const normaliseYaml = (text: string) =>
  text
    .replace(TIMESTAMP, '<TS>')
    .replace(/^(\s*(?:elapsed_ms|waited_ms|duration_ms|observed_within_ms|pid|bytes|freed_bytes)): \d+$/gm, '$1: <N>');

/** Learns `<IDn>` from the first answer that prints it as `job_id`. */
function learnIds(expectedRaw: string, r: CliRun, g: Group): void {
  const n = /"job_id":"<ID(\d+)>"|^job_id: <ID(\d+)>$/m.exec(expectedRaw);
  const num = n?.[1] ?? n?.[2];
  if (!num || g.ids.has(num)) return;
  const actual = r.json?.job_id ?? /^job_id: ([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
  if (typeof actual === 'string') g.ids.set(num, actual);
}

/** `list` order by our own timestamps: started_at desc (missing last), then job_id desc. */
function assertListOrder(jobs: { job_id: string; started_at?: string }[]): void {
  for (let i = 1; i < jobs.length; i++) {
    const [a, b] = [jobs[i - 1], jobs[i]];
    const ok =
      a.started_at === b.started_at
        ? a.job_id > b.job_id
        : b.started_at === undefined || (a.started_at !== undefined && a.started_at > b.started_at);
    assert.ok(ok, `list order: ${a.job_id} (${a.started_at}) before ${b.job_id} (${b.started_at})`);
  }
}

function compare(rec: Transcript, r: CliRun, g: Group): void {
  assert.equal(r.code, rec.exit_code, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
  const expected = substitute(rec.stdout, g);
  if (rec.stdout === '') {
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], rec.stderr_first_line, 'first stderr line');
    return;
  }
  if (rec.stdout.startsWith('{')) {
    const exp = JSON.parse(expected);
    let act = r.json;
    const ours = OUR_KEYS[exp.type] ?? [];
    if (ours.length > 0) {
      const theirs = Object.keys(act).filter((k) => !ours.includes(k));
      assert.deepEqual(Object.keys(act).slice(0, theirs.length), theirs, "our optional keys come after agent-exec's");
      act = Object.fromEntries(Object.entries(act).filter(([k]) => !ours.includes(k)));
    }
    if (exp.type === 'kill') {
      for (const o of [exp, act]) if (o.terminated_signal in SIGNAL_NAMES) o.terminated_signal = SIGNAL_NAMES[o.terminated_signal];
    }
    if (exp.type === 'list') assertListOrder(act.jobs);
    assert.equal(JSON.stringify(normalise(act)), JSON.stringify(normalise(exp)));
    return;
  }
  if (rec.stdout.startsWith('---')) {
    assert.equal(normaliseYaml(r.stdout), normaliseYaml(expected));
    return;
  }
  assert.equal(r.stdout, expected);
}

// ---------------------------------------------------------------------------------------------
// Replay

/** The subcommand of a record (after the global flags), `tag set` / `notify set` as two words. */
function subcommandOf(rec: Transcript): string | undefined {
  const a = rec.argv.slice(1);
  let i = 0;
  while (i < a.length && a[i].startsWith('-')) i += a[i] === '--root' ? 2 : 1;
  return a[i] === 'tag' || a[i] === 'notify' ? `${a[i]} ${a[i + 1]}` : a[i];
}

/** Subcommands the built CLI lists in its help (the registry is not imported: it pulls in main). */
const KNOWN = new Set([
  ...[...spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout.matchAll(/^ {2}(\S+(?: set)?) {2,}/gm)].map((m) => m[1]),
  'rm', // alias of delete
]);

/** Why a record cannot be replayed, or undefined. */
function unreplayable(rec: Transcript, g: Group): string | undefined {
  const sub = subcommandOf(rec);
  if (sub !== undefined && !sub.startsWith('<') && !KNOWN.has(sub) && rec.exit_code !== 2) return `subcommand \`${sub}\` not implemented`;
  const unknown = [...rec.argv.join(' ').matchAll(/<ID(\d+)/g)].map((m) => m[1]).filter((n) => !g.ids.has(n));
  if (unknown.length > 0) return `depends on <ID${unknown[0]}>, which no earlier record produced`;
  return undefined;
}

/** Like the transcript's harness: wait until every job is terminal with its supervisor gone, or running with its pid recorded. */
async function settle(g: Group): Promise<void> {
  for (const jid of jobIds(g.root)) {
    await until(
      `job ${jid} to settle`,
      () => {
        const file = path.join(g.root, jid, 'state.json');
        if (!existsSync(file)) return true;
        let st;
        try {
          st = readJson(file);
        } catch {
          return true; // corrupted on purpose
        }
        const status = st.job?.status;
        if (status === 'created') return true;
        if (status === 'running') return st.pid !== undefined && st.pid !== st.supervisor_pid;
        return !(st.supervisor_pid && isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
      },
      15_000,
    );
  }
}

async function nextSecond(): Promise<void> {
  const s = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === s) await delay(Math.max(1, 1000 - (Date.now() % 1000)));
}

const JOB_CREATING = new Set(['run', 'create', 'start']);

/** `<TMP>` with the transcript's length (`/tmp/aefx/<group>`), so byte counts of logs printing paths match. */
function groupDir(group: string): string {
  for (;;) {
    const base = path.join('/tmp', randomBytes(3).toString('base64url').slice(0, 4));
    try {
      mkdirSync(base);
    } catch {
      continue;
    }
    const tmp = path.join(base, group);
    mkdirSync(path.join(tmp, 'work'), { recursive: true });
    return tmp;
  }
}

/** `TRANSCRIPT_GROUPS=g06-kill,g07-list` replays only those groups (while working on them). */
const only = process.env.TRANSCRIPT_GROUPS?.split(',');
const groups = [...new Set(RECORDS.map((r) => r.group))].filter((n) => !only || only.includes(n));
for (const name of groups) {
  test(`agent-exec 0.2.3 transcripts: ${name}`, async (t: TestContext) => {
    const tmp = groupDir(name);
    const g: Group = { name, tmp, root: path.join(tmp, 'root'), cwd: path.join(tmp, 'work'), ids: new Map() };
    t.after(async () => {
      try {
        await sweep(g.root);
      } finally {
        rmSync(path.dirname(tmp), { recursive: true, force: true });
      }
    });
    GROUP_SETUP[name]?.(g);
    for (const rec of RECORDS.filter((r) => r.group === name)) {
      const why = unreplayable(rec, g);
      if (why) {
        // A failure, never a todo: a subcommand gone from --help must not pass as "pending".
        await t.test(rec.name, () => assert.fail(why));
        continue;
      }
      const deviation = DEVIATIONS[rec.name];
      const open = OPEN[rec.name];
      await t.test(rec.name, open ? { todo: `OPEN: ${open}` } : {}, async () => {
        await BEFORE[rec.name]?.(g);
        if (SECOND_ALIGNED.has(name) && JOB_CREATING.has(subcommandOf(rec) ?? '')) await nextSecond();
        const argv = rec.argv.slice(1).map((a) => (TIMING_ARGV_EDITS[rec.name] ?? String)(substitute(a, g)));
        const r = await runCli(argv, {
          cwd: CWD_OF[rec.name]?.(g) ?? g.cwd,
          env: {
            XDG_CONFIG_HOME: path.join(g.tmp, 'config'),
            ...Object.fromEntries(Object.entries(rec.env).map(([k, v]) => [k, substitute(v, g)])),
          },
          input: rec.stdin,
          timeoutMs: 30_000,
        });
        learnIds(rec.stdout, r, g);
        await settle(g);
        AFTER[rec.name]?.(g);
        if (deviation) deviation.check(r, g);
        else compare(rec, r, g);
      });
    }
  });
}

test('transcript coverage: every record replayed, deviations listed', (t) => {
  for (const [n, d] of Object.entries(DEVIATIONS)) t.diagnostic(`deviation ${n}: ${d.why}`);
  for (const [n, o] of Object.entries(OPEN)) t.diagnostic(`open ${n}: ${o}`);
  const names = new Set(RECORDS.map((r) => r.name));
  for (const n of [
    ...Object.keys(DEVIATIONS),
    ...Object.keys(OPEN),
    ...Object.keys(BEFORE),
    ...Object.keys(AFTER),
    ...Object.keys(TIMING_ARGV_EDITS),
  ])
    assert.ok(names.has(n), `no transcript record named ${n}`);
});
