/**
 * `agent-exec serve`: the HTTP API on node:http (agent-exec-compat.md §6). Every response is one JSON
 * envelope (errors mapped to statuses as in §6); unknown paths are 404 and wrong methods 405
 * with empty bodies, like axum. Jobs are launched through the core ops, so their supervisors
 * are detached into their own sessions and reaped by Node when they exit (no zombies, §10.19).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorEnvelope } from '../core/envelope';
import { describeError, JobError } from '../core/errors';
import type { LaunchContext } from '../core/ops/run';
import { checkAccess, checkJsonBody, corsHeaders, HttpError } from './access';
import { formatBind, type ServeOptions } from './options';
import { ROUTES, type Route } from './routes';

export interface ServeDeps {
  root: string;
  launch: LaunchContext;
}

export interface RunningServer {
  /** `http://host:port` actually bound. */
  url: string;
  port: number;
  /** Stops accepting, cuts open waits short, and resolves once every connection is closed. */
  close(): Promise<void>;
}

/** How long in-flight requests get to finish on shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/** §6 status of an error envelope. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (!(err instanceof JobError)) return 500;
  switch (err.code) {
    case 'job_not_found':
      return 404;
    case 'ambiguous_job_id':
    case 'invalid_state':
    case 'invalid_request':
    case 'invalid_signal':
    case 'invalid_job_id':
    case 'no_input_channel':
      return 400;
    case 'unauthorized':
      return 401;
    case 'not_owner':
      return 403;
    default:
      return 500;
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: object): void {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

type Match = { route: Route; id: string } | { allow: string[] } | undefined;

function matchRoute(method: string, pathname: string): Match {
  const allow: string[] = [];
  for (const route of ROUTES) {
    const m = route.path.exec(pathname);
    if (!m) continue;
    if (route.method === method) {
      let id: string;
      try {
        id = m[1] === undefined ? '' : decodeURIComponent(m[1]);
      } catch {
        throw new JobError('invalid_request', `invalid percent-encoding in path: ${pathname}`);
      }
      return { route, id };
    }
    allow.push(route.method);
  }
  return allow.length > 0 ? { allow } : undefined;
}

export function startServer(opts: ServeOptions, deps: ServeDeps): Promise<RunningServer> {
  const closing = new AbortController();
  let port = opts.bind.port;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const cors = corsHeaders(req, opts);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const match = matchRoute(method, url.pathname);
      if (!match) return send(res, 404, cors);
      checkAccess(req, url.pathname, opts, port);
      if ('allow' in match) {
        if (method === 'OPTIONS' && cors['access-control-allow-origin']) return send(res, 204, cors);
        return send(res, 405, { ...cors, allow: match.allow.join(',') });
      }
      checkJsonBody(req);
      const body = await match.route.handle({
        req,
        query: url.searchParams,
        id: match.id,
        root: deps.root,
        launch: deps.launch,
        signal: AbortSignal.any([gone.signal, closing.signal]),
      });
      send(res, 200, cors, body);
    } catch (err) {
      const status = httpStatusOf(err);
      // An oversized body is drained (bounded) by readBody, so the client can read this answer.
      send(res, status, cors, errorEnvelope(err));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new JobError('internal_error', `cannot bind ${formatBind(opts.bind)}: ${describeError(err)}`)));
    server.listen(opts.bind.port, opts.bind.host, () => {
      port = (server.address() as AddressInfo).port;
      const url = `http://${formatBind({ host: opts.bind.host, port })}`;
      resolve({
        url,
        port,
        close: () =>
          new Promise<void>((done) => {
            closing.abort();
            const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
