/**
 * The agent tools (run, status, output, wait, kill, send_input, rerun, list, ports) as plain data: name, a description
 * written for a model, a strict input table (JSON Schema + validation) and a call that returns
 * the same envelope as the CLI. No MCP or VS Code types here, so any host can register them.
 * Everything is bounded: output sizes, waits, and the size of a result.
 */
import { okEnvelope } from '../core/envelope';
import { JobError } from '../core/errors';
import { readSlice } from '../core/logs';
import { attemptField, attemptPaths } from '../core/ops/attempts';
import { sendInput } from '../core/ops/input';
import { DEFAULT_GRACE_MS, describeKillTargets, killJob } from '../core/ops/kill';
import { canonicalCwd, LIST_STATES, listJobs, type ListState } from '../core/ops/list';
import { DEFAULT_OBSERVE, runJob, type InlineResult, type LaunchContext } from '../core/ops/run';
import { jobHoldingPort, listPorts } from '../core/ops/ports';
import { rerunJob } from '../core/ops/rerun';
import { getStatus } from '../core/ops/status';
import { DEFAULT_TAIL_LINES, tailJob, type TailResult } from '../core/ops/tail';
import { waitJob } from '../core/ops/wait';
import { DEFAULT_KILL_SIGNAL, KILL_SIGNALS } from '../core/process/signals';
import { resolveJob } from '../core/store/jobDir';
import { tagPatternProblem } from '../core/tags';
import {
  agentJobDefinition,
  AGENT_STALL_AFTER_SECONDS,
  ATTENTION_INPUT,
  attentionRequest,
  checkOwner,
  PORT_FIELD,
  READY_INPUT,
  readyRequest,
} from './agentJob';
import { parseInput, type InputOf, type InputSpec } from './input';

/** Default and largest bytes of log text per stream in one result (a model's context is small). */
export const TOOL_DEFAULT_BYTES = 16 * 1024;
export const TOOL_MAX_BYTES = 256 * 1024;
/** Longest a tool call may wait, in seconds. */
export const TOOL_MAX_WAIT_SECONDS = 300;
export const TOOL_DEFAULT_WAIT_SECONDS = 30;
export const TOOL_DEFAULT_LIST_LIMIT = 20;

export interface ToolContext {
  root: string;
  launch: LaunchContext;
  /** Recorded as `meta.owner` of the jobs `run` starts, e.g. `agent:claude-code`. */
  owner: string;
  /** Cancellation from the client (ends a wait early with the current state). */
  signal?: AbortSignal;
}

export interface ToolResult {
  /** The envelope (same object as the CLI's). */
  envelope: object;
  /** Short hints for the model, e.g. how to read the rest of a truncated log. */
  notes: string[];
}

export interface AgentTool<S extends InputSpec = InputSpec> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** MCP tool annotations. */
  readOnly: boolean;
  destructive: boolean;
  /** Validates the arguments against `input` and calls the tool; errors are thrown as JobError (envelope material). */
  invoke(args: unknown, ctx: ToolContext): Promise<ToolResult>;
}

/** A tool as written below: `call` gets the input parsed by its own table, with that table's type. */
interface ToolDefinition<S extends InputSpec> extends Omit<AgentTool<S>, 'invoke'> {
  call(input: InputOf<S>, ctx: ToolContext): Promise<ToolResult>;
}

const define = <S extends InputSpec>({ call, ...tool }: ToolDefinition<S>): AgentTool<S> => ({
  ...tool,
  invoke: async (args, ctx) => call(parseInput(tool.input, args ?? {}), ctx),
});

const JOB_ID = { type: 'string', required: true, description: 'Job id (32 hex characters) or a unique prefix of it' } as const;
const ATTEMPT = {
  type: 'integer',
  minimum: 1,
  description: 'Which attempt of a job that was rerun (1 = the first run; default the latest)',
} as const;
const FORCE = (action: string) =>
  ({ type: 'boolean', default: false, description: `${action} even a job you did not start (another agent's or a person's)` }) as const;

/** `run`'s and `rerun`'s `max_bytes`. */
const HEAD_BYTES = {
  type: 'integer',
  maximum: TOOL_MAX_BYTES,
  default: TOOL_DEFAULT_BYTES,
  description: 'Bytes of stdout and of stderr to include (from the start)',
} as const;

/** What every answer may carry about a job that needs someone, for the descriptions. */
const ATTENTION_TEXT =
  'attention ({kind, since, last_line}) when the job needs you: kind "needs_input" (it waits at a prompt for input: answer with send_input) ' +
  'or "stalled" (no output and no CPU time for its stall_after: look at output, then kill or wait)';

/** A hint per stream whose text is only part of its log. */
function truncationNotes(r: InlineResult | TailResult): string[] {
  const notes: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const [from, to] = r[`${stream}_range`];
    const total = r[`${stream}_total_bytes`];
    if (from > 0 || to < total) {
      notes.push(
        `${stream} shows bytes [${from}, ${to}) of ${total}; read other parts with the output tool (stream "${stream}", offset, length) or from ${r[`${stream}_log_path`]}`,
      );
    }
  }
  return notes;
}

const run = define({
  name: 'run',
  title: 'Run a background job',
  description:
    'Start a command as a background job and return once it has printed its first output, has exited, or wait_seconds have passed (whichever comes first). ' +
    'The job keeps running after this call returns; use wait, output, status and kill with its job_id. ' +
    'Returns a JSON object: job_id, state (running|exited|killed|failed), exit_code when it has ended, the first max_bytes of stdout and stderr, ' +
    'their byte ranges [start, end) and total sizes, and the paths of the full logs. ' +
    'command is an argv array; a single element is run by the shell (sh -lc), so pipes and && work there. ' +
    'Servers and watchers: say when the job is ready with ready_port (it listens on that port), ready_http (the URL answers) and/or ready_log (a line of output matches); ' +
    'all given must hold. With wait_ready: true the call returns as soon as the job is ready (or ends, or wait_seconds pass; raise wait_seconds for a slow start) ' +
    'instead of at its first output, and the answer carries ready ("ready" with ready_at, "pending" = not yet, "timed_out" = ready_timeout passed). ' +
    'To start a dev server once and get it back ready on every later call, give singleton (a key such as "web-dev") with ready_port: ' +
    'while a job started with that key runs (started by you, a person or another agent) it is returned with reused: true instead of a second copy ' +
    'fighting for the port, and the call waits for its readiness; a finished one does not count. Do not sleep or poll the log to see if a server is up. ' +
    'A program that may ask questions (npm init, a confirmation, a password): give stdin_pipe: true, then answer with send_input. ' +
    `Jobs you start are watched for a stall (no output, no CPU) after ${AGENT_STALL_AFTER_SECONDS} s by default (stall_after sets it, 0 turns it off); ` +
    `answers then carry ${ATTENTION_TEXT}, and wait returns early with it.`,
  input: {
    command: {
      type: 'string[]',
      required: true,
      minItems: 1,
      description: 'Command argv, e.g. ["npm","test"]; one element = a shell command line, e.g. ["make build && make test"]',
    },
    cwd: { type: 'string', description: "Working directory (absolute, or relative to the server's working directory)" },
    env: { type: 'string-map', description: 'Extra environment variables; values are not stored in clear in the job record' },
    timeout_seconds: { type: 'number', minimum: 0, description: 'Terminate the job after this many seconds (0 or absent = no limit)' },
    wait_seconds: {
      type: 'integer',
      maximum: TOOL_MAX_WAIT_SECONDS,
      default: DEFAULT_OBSERVE.untilSec,
      description: `Seconds to wait for first output or exit (or readiness, with wait_ready) before returning (0 = return at once; at most ${TOOL_MAX_WAIT_SECONDS})`,
    },
    max_bytes: HEAD_BYTES,
    ...READY_INPUT,
    ...ATTENTION_INPUT,
  },
  readOnly: false,
  destructive: false,
  async call(input, ctx) {
    const { untilReady, ...ready } = readyRequest(input);
    const definition = agentJobDefinition({
      command: input.command,
      cwd: input.cwd,
      env: input.env,
      timeout: input.timeout_seconds,
      owner: ctx.owner,
      ...ready,
      attention: attentionRequest(input),
    });
    const waitSec = input.wait_seconds;
    const result = await runJob(
      ctx.root,
      { definition, observe: { wait: waitSec > 0, untilSec: waitSec, forever: false, maxBytes: input.max_bytes, untilReady } },
      ctx.launch,
    );
    return { envelope: okEnvelope('run', result), notes: truncationNotes(result) };
  },
});

const status = define({
  name: 'status',
  title: 'Job status',
  description:
    'Return the state of a job without waiting: job_id, state (created|running|exited|killed|failed), exit_code when it exited, ' +
    'created_at / started_at / finished_at (UTC), error when the job failed to start or its supervisor was lost, ' +
    'ports (the TCP/UDP ports a running job listens on), ready (pending|ready|timed_out, with ready_at) when the job declares a ready condition, ' +
    `${ATTENTION_TEXT}, and attempt (which attempt this is) once the job has been rerun; attempt asks for an earlier one.`,
  input: { job_id: JOB_ID, attempt: ATTEMPT },
  readOnly: true,
  destructive: false,
  call: async (input, ctx) => ({
    envelope: okEnvelope('status', await getStatus(ctx.root, input.job_id, { attempt: input.attempt })),
    notes: [],
  }),
});

const output = define({
  name: 'output',
  title: 'Read job output',
  description:
    "Read a job's logs, bounded. Without offset (tail mode): the last tail_lines lines (default 50) of stdout and of stderr, each within the last max_bytes bytes. " +
    'With offset (paging mode): length bytes of one log (stream, default stdout) starting at that byte offset, for paging through long output. ' +
    "Returns text with its byte range [start, end) in the log and the log's total size, so you can ask for the next part (offset = end). " +
    "Works while the job runs and after it ended. A job that was rerun: attempt reads an earlier attempt's logs (default the latest).",
  input: {
    job_id: JOB_ID,
    attempt: ATTEMPT,
    tail_lines: {
      type: 'integer',
      default: DEFAULT_TAIL_LINES,
      description: 'Lines from the end of each log (0 = no line limit, only max_bytes)',
    },
    max_bytes: {
      type: 'integer',
      maximum: TOOL_MAX_BYTES,
      default: TOOL_DEFAULT_BYTES,
      description: 'Tail mode: at most this many bytes per log',
    },
    stream: { type: 'string', enum: ['stdout', 'stderr'], default: 'stdout', description: 'Paging mode: which log to read' },
    offset: { type: 'integer', description: 'Paging mode: byte offset to start reading at' },
    length: { type: 'integer', maximum: TOOL_MAX_BYTES, default: TOOL_DEFAULT_BYTES, description: 'Paging mode: bytes to read' },
  },
  readOnly: true,
  destructive: false,
  async call(input, ctx) {
    // The mode follows offset alone; the other mode's parameters are ignored (clients may fill in defaults).
    if (input.offset === undefined) {
      const tail = await tailJob(ctx.root, input.job_id, {
        tailLines: input.tail_lines,
        maxBytes: input.max_bytes,
        attempt: input.attempt,
      });
      return { envelope: okEnvelope('tail', tail), notes: truncationNotes(tail) };
    }
    const job = await resolveJob(ctx.root, input.job_id);
    const paths = await attemptPaths(job, input.attempt);
    const stream = input.stream;
    const logPath = stream === 'stdout' ? paths.stdout : paths.stderr;
    const slice = await readSlice(logPath, input.offset, input.offset + input.length);
    const envelope = okEnvelope('output', {
      job_id: paths.id,
      stream,
      text: slice.text,
      range: slice.range,
      total_bytes: slice.totalBytes,
      eof: slice.range[1] >= slice.totalBytes,
      encoding: 'utf-8-lossy',
      log_path: logPath,
      ...(await attemptField(job, input.attempt)),
    });
    return { envelope, notes: [] };
  },
});

const wait = define({
  name: 'wait',
  title: 'Wait for a job',
  description:
    `Wait until a job ends or timeout_seconds pass (default ${TOOL_DEFAULT_WAIT_SECONDS}, at most ${TOOL_MAX_WAIT_SECONDS}), then return its state: ` +
    'job_id, state, exit_code when it exited, stdout/stderr sizes in bytes, updated_at. If state is still running the deadline passed: call wait again, ' +
    'or read output. Keep timeout_seconds below your own tool-call timeout. ' +
    'until_ready: true returns as soon as a server job is ready instead of waiting for its end (the job must have been started with ready_port, ready_http or ready_log); ' +
    'the answer then carries ready: "ready" (with ready_at), "timed_out" (its ready_timeout passed), or "pending" with state running when the deadline passed first. ' +
    `It also returns early, state running, with ${ATTENTION_TEXT}.`,
  input: {
    job_id: JOB_ID,
    timeout_seconds: {
      type: 'number',
      minimum: 0,
      maximum: TOOL_MAX_WAIT_SECONDS,
      default: TOOL_DEFAULT_WAIT_SECONDS,
      description: 'Seconds to wait at most',
    },
    until_ready: {
      type: 'boolean',
      default: false,
      description: 'Return once the job is ready (or its ready timeout passes, or it ends) rather than at its end',
    },
  },
  readOnly: true,
  destructive: false,
  async call(input, ctx) {
    const timeoutMs = input.timeout_seconds * 1000;
    const result = await waitJob(ctx.root, input.job_id, { timeoutMs, signal: ctx.signal, untilReady: input.until_ready });
    return { envelope: okEnvelope('wait', result), notes: [] };
  },
});

/** The kill tool's input; hosts that confirm a kill read it too. */
export const KILL_INPUT = {
  job_id: { ...JOB_ID, required: false, description: 'Job id (32 hex characters) or a unique prefix of it; give this or port' },
  port: {
    ...PORT_FIELD,
    description:
      'Instead of job_id: the job whose processes listen on this TCP/UDP port (refused when the listener is not a job of the store)',
  },
  signal: { type: 'string', enum: KILL_SIGNALS, default: DEFAULT_KILL_SIGNAL, description: 'Signal to send first' },
  grace_seconds: {
    type: 'number',
    minimum: 0,
    maximum: 3600,
    default: DEFAULT_GRACE_MS / 1000,
    description: 'Seconds to wait before escalating to KILL',
  },
  no_wait: { type: 'boolean', default: false, description: 'Send the signal and return without waiting for the processes to exit' },
  force: FORCE('Kill'),
  dry_run: {
    type: 'boolean',
    default: false,
    description:
      'Signal nothing: answer with the processes the kill would signal (pid, command, age_s), the ports they listen on, the owner and running_for_s',
  },
} as const satisfies InputSpec;

/** The job a kill names: `job_id`, or the job holding `port` (exactly one of the two). */
export async function killTarget(root: string, input: InputOf<typeof KILL_INPUT>): Promise<string> {
  if ((input.job_id === undefined) === (input.port === undefined))
    throw new JobError('invalid_request', 'give exactly one of `job_id` and `port`');
  return input.job_id ?? jobHoldingPort(root, input.port!);
}

const kill = define({
  name: 'kill',
  title: 'Kill a job',
  description:
    'Stop a running job: send the signal to every process of the job (its whole process tree, including ones that detached), wait up to grace_seconds for them to exit, ' +
    'then force them with KILL. Returns job_id, signal, the final state, exit_code or terminated_signal, escalated (KILL was needed), the pids signalled and any survivors. ' +
    'A job that already ended is reported as is. TERM asks politely, INT is Ctrl-C, KILL cannot be caught. ' +
    'Name the job by job_id, or by port (the job listening on it; refused with port_not_job naming the pid when the listener is not a job). ' +
    'You may kill the jobs you started; a job started by someone else (a person, another agent) is refused with error not_owner naming its owner, ' +
    'unless you pass force: true (do so only when you are sure it should stop); the answer then includes that owner. ' +
    'dry_run: true signals nothing and returns the preview (type kill_preview): the processes that would be signalled with pid, command and age_s, their listening ports, ' +
    'owner and running_for_s; it needs no force, whoever owns the job.',
  input: KILL_INPUT,
  readOnly: false,
  destructive: true,
  async call(input, ctx) {
    const job = await killTarget(ctx.root, input);
    // A preview signals nothing, so the ownership rule (which guards signals) does not apply.
    if (input.dry_run) return { envelope: okEnvelope('kill_preview', await describeKillTargets(ctx.root, job)), notes: [] };
    const foreign = await checkOwner(ctx.root, job, ctx.owner, input.force);
    const result = await killJob(ctx.root, job, {
      signal: input.signal,
      graceMs: Math.round(input.grace_seconds * 1000),
      wait: !input.no_wait,
    });
    return { envelope: okEnvelope('kill', { ...result, ...foreign }), notes: [] };
  },
});

const sendInputTool = define({
  name: 'send_input',
  title: 'Send input to a job',
  description:
    'Answer a job that waits for input: write text as one line (a newline is added) to the stdin of a job started with stdin_pipe: true, ' +
    'and/or end its input with eof: true (the program then reads end-of-file). Use it when an answer carries attention kind "needs_input"; ' +
    'the last_line there is the question. Returns job_id, bytes_written and eof. A job without an input channel is refused with no_input_channel, ' +
    "a job that is not running with invalid_state. You may feed the jobs you started; another owner's job is refused with not_owner unless force: true.",
  input: {
    job_id: JOB_ID,
    text: { type: 'string', description: 'The line to send (a newline is added unless it ends with one)' },
    eof: { type: 'boolean', default: false, description: 'Then close the input: the job reads end-of-file' },
    force: FORCE('Send input to'),
  },
  readOnly: false,
  destructive: false,
  async call(input, ctx) {
    if (input.text === undefined && !input.eof) throw new JobError('invalid_request', 'give `text`, `eof: true`, or both');
    const foreign = await checkOwner(ctx.root, input.job_id, ctx.owner, input.force, 'send input to');
    const result = await sendInput(ctx.root, input.job_id, { text: input.text, eof: input.eof });
    return { envelope: okEnvelope('send_input', { ...result, ...foreign }), notes: [] };
  },
});

const rerun = define({
  name: 'rerun',
  title: 'Rerun a finished job',
  description:
    'Run a finished job (exited, killed or failed) again as a new attempt: same job_id, same command, directory and environment. ' +
    'The earlier attempts keep their logs and results (status and output take attempt to read them). ' +
    "Answers like run: returns once the job has printed its first output, has exited, or wait_seconds have passed, with attempt (the new attempt's number). " +
    "You may rerun the jobs you started; another owner's job is refused with not_owner unless force: true (it keeps its owner).",
  input: {
    job_id: JOB_ID,
    wait_seconds: {
      type: 'integer',
      maximum: TOOL_MAX_WAIT_SECONDS,
      default: DEFAULT_OBSERVE.untilSec,
      description: `Seconds to wait for first output or exit before returning (0 = return at once; at most ${TOOL_MAX_WAIT_SECONDS})`,
    },
    max_bytes: HEAD_BYTES,
    force: FORCE('Rerun'),
  },
  readOnly: false,
  destructive: false,
  async call(input, ctx) {
    const foreign = await checkOwner(ctx.root, input.job_id, ctx.owner, input.force, 'rerun');
    const waitSec = input.wait_seconds;
    const observe = { wait: waitSec > 0, untilSec: waitSec, forever: false, maxBytes: input.max_bytes };
    const result = await rerunJob(ctx.root, input.job_id, { observe }, ctx.launch);
    return { envelope: okEnvelope('rerun', { ...result, ...foreign }), notes: truncationNotes(result) };
  },
});

const list = define({
  name: 'list',
  title: 'List jobs',
  description:
    'List jobs in the shared job store, newest first: job_id, short_job_id, state, exit_code, created_at/started_at/finished_at, tags; ' +
    'a running job also has ports (the TCP/UDP ports it listens on) when it listens, ready (pending|ready|timed_out) when it declares a ready condition, ' +
    'and attention ({kind: needs_input|stalled, since, last_line}) when it needs you; a job that was rerun has attempts (how many runs it has had). ' +
    'Includes jobs started by people (VS Code, the agent-exec CLI) and by other agents. truncated is true when more jobs matched than limit.',
  input: {
    state: { type: 'string', enum: LIST_STATES, description: 'Only jobs in this state' },
    tag: { type: 'string[]', description: 'Only jobs having all these tags (a pattern "ns.*" matches a namespace)' },
    cwd: { type: 'string', description: 'Only jobs started in this directory (default: every directory)' },
    limit: { type: 'integer', maximum: 1000, default: TOOL_DEFAULT_LIST_LIMIT, description: 'At most this many jobs' },
  },
  readOnly: true,
  destructive: false,
  async call(input, ctx) {
    for (const t of input.tag ?? []) {
      const problem = tagPatternProblem(t);
      if (problem) throw new JobError('invalid_request', `invalid tag pattern ${JSON.stringify(t)}: ${problem}`);
    }
    const result = await listJobs(ctx.root, {
      ...(input.cwd !== undefined ? { cwd: canonicalCwd(ctx.launch.cwd, input.cwd) } : {}),
      tags: input.tag ?? [],
      ...(input.state !== undefined ? { state: input.state as ListState } : {}),
      limit: input.limit,
    });
    return { envelope: okEnvelope('list', result), notes: [] };
  },
});

const ports = define({
  name: 'ports',
  title: 'Listening ports',
  description:
    'Who listens on each TCP/UDP port of this machine: port, protocol, address, and the holder: pid and command, plus job_id and owner when the process belongs to a running job of the store. ' +
    'A listener without job_id is a process outside the store (not killable with the kill tool). ' +
    'Use it before starting a server, to find the job already serving a port (then reuse it, or kill it by port), or after starting one, to see which port it took.',
  input: { port: { ...PORT_FIELD, description: 'Only this port (default: every listening port)' } },
  readOnly: true,
  destructive: false,
  call: async (input, ctx) => ({
    envelope: okEnvelope('ports', await listPorts(ctx.root, input.port !== undefined ? { port: input.port } : {})),
    notes: [],
  }),
});

/** Each tool with its own input type, for hosts that read a tool's input (e.g. to confirm a run). */
export const AGENT_TOOL = { run, status, output, wait, kill, send_input: sendInputTool, rerun, list, ports };

export const AGENT_TOOLS: readonly AgentTool[] = [run, status, output, wait, kill, sendInputTool, rerun, list, ports];
