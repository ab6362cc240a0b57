/**
 * Who may talk to the server (agent-exec-compat.md §6 and its fixes, §10.19):
 * - a browser page may only call it from the server's own origin (the exact host and port it
 *   listens on) or the `--allow-origin` one (a page elsewhere, loopback ports included, must
 *   not be able to POST /exec: CSRF);
 * - a POST must say `Content-Type: application/json`: any other type is a browser "simple
 *   request" that skips the CORS preflight;
 * - when bound to loopback, the Host header must name a loopback host (DNS rebinding);
 * - unless served with `--no-auth`, every route but /health needs the Bearer token (see
 *   token.ts), compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { JobError, type ErrorCode } from '../core/errors';
import { formatBind, isLoopback, type ServeOptions } from './options';

/** An error envelope with an explicit HTTP status. */
export class HttpError extends JobError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

/** `localhost`, `127.x.y.z`, `[::1]` (as URL hostnames spell them). */
function isLoopbackName(hostname: string): boolean {
  if (hostname === 'localhost') return true;
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isLoopback(bare);
}

/** The browser origin of this server itself: exactly the host and port it listens on. */
const ownOrigin = (opts: ServeOptions, port: number): string => new URL(`http://${formatBind({ host: opts.bind.host, port })}`).origin;

const digest = (s: string) => createHash('sha256').update(s).digest();

function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) return false;
  // Equal-length digests: the comparison time says nothing about the token.
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token));
}

export const unauthorized = () => new HttpError(401, 'unauthorized', 'missing or invalid Bearer token');

/**
 * Throws an HttpError when the request must be refused. `port` is the port actually bound
 * (differs from the options when binding port 0).
 */
export function checkAccess(req: IncomingMessage, pathname: string, opts: ServeOptions, port: number): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== opts.allowOrigin && origin !== ownOrigin(opts, port)) {
    throw new HttpError(403, 'unauthorized', `origin not allowed: ${origin} (allow it with --allow-origin)`);
  }
  if (isLoopback(opts.bind.host)) {
    let hostname = '';
    try {
      hostname = new URL(`http://${req.headers.host ?? ''}`).hostname;
    } catch {
      // Unparseable Host: refused below.
    }
    if (!isLoopbackName(hostname)) throw new HttpError(403, 'unauthorized', `host not allowed: ${req.headers.host ?? '(none)'}`);
  }
  // A CORS preflight never carries credentials; it only learns what the origin may send.
  if (opts.token !== undefined && pathname !== '/health' && req.method !== 'OPTIONS' && !hasToken(req, opts.token)) {
    throw unauthorized();
  }
}

/** Refuses a POST whose body is not declared as JSON (415). */
export function checkJsonBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST' && type !== 'application/json') {
    throw new HttpError(
      415,
      'invalid_request',
      `POST requests need Content-Type: application/json (got ${req.headers['content-type'] ?? 'none'})`,
    );
  }
}

/** CORS response headers for the allowed origin (none for anything else). */
export function corsHeaders(req: IncomingMessage, opts: ServeOptions): Record<string, string> {
  if (opts.allowOrigin === undefined || req.headers.origin !== opts.allowOrigin) return {};
  return {
    'access-control-allow-origin': opts.allowOrigin,
    'access-control-allow-methods': 'GET,POST,OPTIONS',
    'access-control-allow-headers': 'authorization,content-type',
    vary: 'origin',
  };
}
