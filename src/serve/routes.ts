/**
 * The HTTP routes of `agent-exec serve` (agent-exec-compat.md §6), each a thin adapter over a core op that
 * returns the same envelope as the CLI. Our additions, all optional: `/tail` takes
 * `tail_lines`/`max_bytes`, `/wait` is bounded by `until` (seconds), `/kill` takes `signal`
 * and `force` (the agents' ownership rule, src/agent/agentJob.ts) and `dry_run` (the preview:
 * nothing signalled, so no ownership check), `/exec` takes `owner` (within the HTTP surface's
 * namespace) and the agents' readiness and singleton fields (READY_INPUT), `/wait` takes
 * `until_ready`, `GET /list` lists jobs and `GET /ports` who listens on each port, `/status` and
 * `/tail` take `attempt`; `POST /send-input/{id}` feeds a `stdin_pipe` job and `POST /rerun/{id}`
 * runs a finished job again, both under the ownership rule (optional JSON bodies).
 */
import type { IncomingMessage } from 'node:http';
import { okEnvelope } from '../core/envelope';
import { JobError } from '../core/errors';
import { describeKillTargets, killJob } from '../core/ops/kill';
import { DEFAULT_LIST_LIMIT, LIST_STATES, listJobs, type ListState } from '../core/ops/list';
import { DEFAULT_OBSERVE, runJob, type LaunchContext } from '../core/ops/run';
import { isPortNumber, listPorts, PORT_RANGE_TEXT } from '../core/ops/ports';
import { rerunJob } from '../core/ops/rerun';
import { getStatus } from '../core/ops/status';
import { DEFAULT_TAIL_LINES, DEFAULT_TAIL_MAX_BYTES, tailJob } from '../core/ops/tail';
import { DEFAULT_WAIT_UNTIL_SECONDS, waitJob } from '../core/ops/wait';
import { DEFAULT_KILL_SIGNAL } from '../core/process/signals';
import { tagPatternProblem } from '../core/tags';
import {
  agentJobDefinition,
  ATTENTION_INPUT,
  attentionRequest,
  checkOwner,
  claimOwner,
  READY_INPUT,
  readyRequest,
  SURFACE_OWNER,
} from '../agent/agentJob';
import { parseInput, type InputOf, type InputSpec } from '../agent/input';
import { AGENT_TOOL } from '../agent/tools';
import { HttpError } from './access';

/** Largest request body (`POST /exec`), as agent-exec. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest `/wait` (and `/exec` observation) a request may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 600;
/** Largest `max_bytes` a request may ask for (per stream). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;
export const HTTP_OWNER = SURFACE_OWNER.http;

/** `POST /exec`'s `owner`: a bare name is a sub-name (`agent:http:<name>`); only the HTTP surface's own names may be given. */
function httpOwner(given: string | undefined): string {
  if (given === undefined) return HTTP_OWNER;
  return claimOwner('http', given.includes(':') ? given : `${HTTP_OWNER}:${given}`);
}

export interface RouteContext {
  req: IncomingMessage;
  query: URLSearchParams;
  /** The decoded `{id}` path segment, when the route has one. */
  id: string;
  root: string;
  launch: LaunchContext;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Path pattern; a capture group is the `{id}` segment. */
  path: RegExp;
  handle(ctx: RouteContext): Promise<object>;
}

const badQuery = (name: string, expected: string, got: string) =>
  new JobError('invalid_request', `invalid query parameter ${name}=${JSON.stringify(got)}: expected ${expected}`);

/** A non-negative number query parameter within `[0, max]` (integers only unless `fractional`). */
function numberQuery(q: URLSearchParams, name: string, fallback: number, max: number, fractional = false): number {
  const raw = q.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= max && (fractional || Number.isInteger(n));
  if (!ok) throw badQuery(name, `a non-negative ${fractional ? 'number' : 'integer'} of at most ${max}`, raw);
  return n;
}

function boolQuery(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  throw badQuery(name, 'true or false', raw);
}

/** `port`, when given. */
function portQuery(q: URLSearchParams): number | undefined {
  const raw = q.get('port');
  if (raw === null) return undefined;
  const port = Number(raw);
  if (raw.trim() === '' || !isPortNumber(port)) throw badQuery('port', PORT_RANGE_TEXT, raw);
  return port;
}

/** `attempt`, when given: an attempt number from 1 (the job says which exist). */
function attemptQuery(q: URLSearchParams): { attempt?: number } {
  const raw = q.get('attempt');
  if (raw === null) return {};
  if (!/^[1-9]\d*$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw badQuery('attempt', 'an attempt number from 1', raw);
  return { attempt: Number(raw) };
}

/** How much of an oversized body is read and dropped so that the client gets to read the 413. */
const MAX_DRAIN_BYTES = 8 * MAX_BODY_BYTES;

/**
 * Reads the body up to MAX_BODY_BYTES. An oversized body is answered with 413 while the rest is
 * drained (bounded): closing on a client that is still sending would reset the connection before
 * it reads the answer.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'invalid_request', `request body exceeds ${MAX_BODY_BYTES} bytes`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    const refuse = () => {
      over = true;
      chunks.length = 0;
      reject(tooLarge());
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (over) {
        if (total > MAX_DRAIN_BYTES) req.destroy();
      } else if (total > MAX_BODY_BYTES) refuse();
      else chunks.push(chunk);
    });
    req.on('end', () => over || resolve(Buffer.concat(chunks)));
    req.on('error', () => over || reject(new JobError('invalid_request', 'failed to read request body')));
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) refuse();
  });
}

/** `POST /exec` body (agent-exec-compat.md §6 field names; `timeout` in seconds) plus our `owner` and readiness fields. */
export const EXEC_BODY = {
  command: { type: 'string[]', description: 'Command argv; one element is run by the shell' },
  cwd: { type: 'string', description: "Working directory (default: the server's)" },
  env: { type: 'string-map', description: 'Extra environment variables (values are masked in meta.json)' },
  timeout: { type: 'number', minimum: 0, description: 'Seconds until the job is terminated (0 = none)' },
  wait: { type: 'boolean', default: DEFAULT_OBSERVE.wait, description: 'Observe the job inline before answering' },
  until: { type: 'integer', maximum: MAX_WAIT_SECONDS, default: DEFAULT_OBSERVE.untilSec, description: 'Seconds to observe at most' },
  max_bytes: { type: 'integer', maximum: MAX_READ_BYTES, default: DEFAULT_OBSERVE.maxBytes, description: 'Head bytes per stream' },
  owner: {
    type: 'string',
    description: `Who starts the job: ${HTTP_OWNER} (default) or ${HTTP_OWNER}:<name>; a bare <name> means the latter`,
  },
  ...READY_INPUT,
  ...ATTENTION_INPUT,
} as const satisfies InputSpec;

/** The JSON body checked against `spec`; an empty body is `{}` unless `required`. */
async function jsonBody<S extends InputSpec>(req: IncomingMessage, spec: S, required: boolean): Promise<InputOf<S>> {
  const raw = await readBody(req);
  if (raw.length === 0 && required) throw new JobError('invalid_request', 'request body is required');
  let value: unknown;
  try {
    value = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new JobError('invalid_request', `invalid JSON: ${(err as Error).message}`);
  }
  try {
    return parseInput(spec, value);
  } catch (err) {
    throw err instanceof JobError ? new JobError('invalid_request', `invalid JSON: ${err.message}`) : err;
  }
}

async function exec(ctx: RouteContext): Promise<object> {
  const body = await jsonBody(ctx.req, EXEC_BODY, true);
  if (!body.command || body.command.length === 0) throw new JobError('invalid_request', 'command field is required and must be non-empty');
  const { untilReady, ...ready } = readyRequest(body);
  const definition = agentJobDefinition({
    command: body.command,
    cwd: body.cwd,
    env: body.env,
    timeout: body.timeout,
    owner: httpOwner(body.owner),
    ...ready,
    attention: attentionRequest(body),
  });
  const observe = { wait: body.wait, untilSec: body.until, forever: false, maxBytes: body.max_bytes, untilReady };
  // agent-exec's /exec answer never lists env_vars.
  const { env_vars: _masked, ...result } = await runJob(ctx.root, { definition, observe }, ctx.launch);
  return okEnvelope('run', result);
}

/** `POST /send-input/{id}` body: the send_input tool's fields but the job, which is in the path. */
const { job_id: _sendInputJob, ...SEND_INPUT_BODY } = AGENT_TOOL.send_input.input;

/** `POST /rerun/{id}` body (optional): observation as `/exec`, and `force` for another owner's job. */
const RERUN_BODY = {
  wait: EXEC_BODY.wait,
  until: EXEC_BODY.until,
  max_bytes: EXEC_BODY.max_bytes,
  force: { type: 'boolean', default: false, description: 'Rerun even a job another owner started' },
} as const satisfies InputSpec;

async function sendInputRoute(ctx: RouteContext): Promise<object> {
  const body = await jsonBody(ctx.req, SEND_INPUT_BODY, true);
  const tool = { root: ctx.root, launch: ctx.launch, owner: HTTP_OWNER, signal: ctx.signal };
  return (await AGENT_TOOL.send_input.invoke({ ...body, job_id: ctx.id }, tool)).envelope;
}

async function rerun(ctx: RouteContext): Promise<object> {
  const body = await jsonBody(ctx.req, RERUN_BODY, false);
  const foreign = await checkOwner(ctx.root, ctx.id, HTTP_OWNER, body.force, 'rerun');
  const observe = { wait: body.wait, untilSec: body.until, forever: false, maxBytes: body.max_bytes };
  const { env_vars: _masked, ...result } = await rerunJob(ctx.root, ctx.id, { observe }, ctx.launch);
  return okEnvelope('rerun', { ...result, ...foreign });
}

function list(ctx: RouteContext): Promise<object> {
  const state = ctx.query.get('state');
  if (state !== null && !LIST_STATES.includes(state as ListState)) throw badQuery('state', LIST_STATES.join(', '), state);
  const tags = ctx.query.getAll('tag');
  for (const t of tags) if (tagPatternProblem(t)) throw badQuery('tag', `a tag pattern (${tagPatternProblem(t)})`, t);
  const limit = numberQuery(ctx.query, 'limit', DEFAULT_LIST_LIMIT, Number.MAX_SAFE_INTEGER);
  return listJobs(ctx.root, { tags, limit, ...(state !== null ? { state: state as ListState } : {}) }).then((r) => okEnvelope('list', r));
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/health$/, handle: async () => okEnvelope('health', {}) },
  { method: 'POST', path: /^\/exec$/, handle: exec },
  {
    method: 'GET',
    path: /^\/status\/([^/]+)$/,
    handle: async (c) => okEnvelope('status', await getStatus(c.root, c.id, attemptQuery(c.query))),
  },
  {
    method: 'GET',
    path: /^\/tail\/([^/]+)$/,
    handle: async (c) =>
      okEnvelope(
        'tail',
        await tailJob(c.root, c.id, {
          tailLines: numberQuery(c.query, 'tail_lines', DEFAULT_TAIL_LINES, Number.MAX_SAFE_INTEGER),
          maxBytes: numberQuery(c.query, 'max_bytes', DEFAULT_TAIL_MAX_BYTES, MAX_READ_BYTES),
          ...attemptQuery(c.query),
        }),
      ),
  },
  {
    method: 'GET',
    path: /^\/wait\/([^/]+)$/,
    handle: async (c) => {
      const until = numberQuery(c.query, 'until', DEFAULT_WAIT_UNTIL_SECONDS, MAX_WAIT_SECONDS, true);
      const untilReady = boolQuery(c.query, 'until_ready');
      return okEnvelope('wait', await waitJob(c.root, c.id, { timeoutMs: until * 1000, signal: c.signal, untilReady }));
    },
  },
  {
    method: 'POST',
    path: /^\/kill\/([^/]+)$/,
    handle: async (c) => {
      if (boolQuery(c.query, 'dry_run')) return okEnvelope('kill_preview', await describeKillTargets(c.root, c.id));
      const wait = !boolQuery(c.query, 'no_wait');
      const foreign = await checkOwner(c.root, c.id, HTTP_OWNER, boolQuery(c.query, 'force'));
      return okEnvelope('kill', {
        ...(await killJob(c.root, c.id, { signal: c.query.get('signal') ?? DEFAULT_KILL_SIGNAL, wait })),
        ...foreign,
      });
    },
  },
  { method: 'POST', path: /^\/send-input\/([^/]+)$/, handle: sendInputRoute },
  { method: 'POST', path: /^\/rerun\/([^/]+)$/, handle: rerun },
  { method: 'GET', path: /^\/list$/, handle: list },
  {
    method: 'GET',
    path: /^\/ports$/,
    handle: async (c) => {
      const port = portQuery(c.query);
      return okEnvelope('ports', await listPorts(c.root, port !== undefined ? { port } : {}));
    },
  },
];
