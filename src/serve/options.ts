/**
 * `serve` start-up options and guards (agent-exec-compat.md §6): the bind address must be loopback unless
 * `--insecure` is given together with a token; CORS never allows `*`.
 */
import { isIP } from 'node:net';
import { JobError } from '../core/errors';

export const DEFAULT_BIND = '127.0.0.1:19263';
export const TOKEN_ENV = 'AGENT_EXEC_SERVE_TOKEN';

export interface BindAddress {
  host: string;
  port: number;
}

export interface ServeOptions {
  bind: BindAddress;
  /** Bearer token required on every route but /health; undefined = no auth (`--no-auth`). */
  token?: string;
  /** The one extra browser origin allowed (and answered with CORS headers). */
  allowOrigin?: string;
}

/** A start-up refusal: printed as a JSON envelope on stdout plus `stderr` text, exit 1. */
export class StartupRefusal extends JobError {
  constructor(
    code: 'serve_unsafe_bind' | 'invalid_config',
    message: string,
    readonly stderr: string,
  ) {
    super(code, message);
  }
}

/** `host:port` / `[v6]:port` as Rust's `SocketAddr` parses it: IP literals only, port 0–65535. */
export function parseBind(text: string): BindAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = m ? Number(m[3]) : NaN;
  const family = host === undefined ? 0 : isIP(host);
  if (!m || port > 65535 || family === 0 || (m[1] !== undefined) !== (family === 6)) {
    throw new JobError('internal_error', `invalid bind address '${text}': invalid socket address syntax`);
  }
  return { host: host!, port };
}

/** `127.0.0.0/8` or `::1` (agent-exec-compat.md §6). */
export function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  try {
    // The URL parser normalises every spelling of ::1 (0:0:0:0:0:0:0:1, ::0001, …).
    return isIP(host) === 6 && new URL(`http://[${host}]/`).hostname === '[::1]';
  } catch {
    return false;
  }
}

/** How Rust prints the address (`[::1]:80` for IPv6). */
export const formatBind = (b: BindAddress): string => (isIP(b.host) === 6 ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`);

/** Browser origin syntax (`scheme://host[:port]`, nothing else); refuses `*`. */
function checkOrigin(origin: string): void {
  if (origin === '*') {
    throw new StartupRefusal('invalid_config', "wildcard '*' origin is not allowed", "Error: --allow-origin '*' is not permitted");
  }
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (!url || url.origin !== origin) {
    throw new JobError('internal_error', `invalid origin '${origin}': expected scheme://host[:port], e.g. http://localhost:3000`);
  }
}

/**
 * Validates the flags in agent-exec's order: bind syntax, loopback/insecure/token, origin.
 * `--no-auth` (our addition: serving without any token) is refused on a non-loopback bind
 * and together with a token.
 */
export function resolveServeOptions(
  flags: { bind: string; insecure: boolean; noAuth?: boolean; allowOrigin?: string },
  env: NodeJS.ProcessEnv,
): ServeOptions {
  const bind = parseBind(flags.bind);
  const token = env[TOKEN_ENV] || undefined;
  const shown = formatBind(bind);
  if (flags.noAuth && !isLoopback(bind.host)) {
    throw new StartupRefusal(
      'serve_unsafe_bind',
      `refusing --no-auth on non-loopback address ${shown}`,
      `Error: --no-auth is only allowed on a loopback bind address, not ${shown}`,
    );
  }
  if (flags.noAuth && token) {
    throw new StartupRefusal(
      'invalid_config',
      `--no-auth conflicts with ${TOKEN_ENV}`,
      `Error: --no-auth cannot be used while ${TOKEN_ENV} is set`,
    );
  }
  if (!isLoopback(bind.host)) {
    if (!flags.insecure) {
      throw new StartupRefusal(
        'serve_unsafe_bind',
        `refusing to bind to non-loopback address ${shown} without --insecure`,
        `Error: non-loopback bind address ${shown} requires --insecure flag`,
      );
    }
    if (!token) {
      throw new StartupRefusal(
        'serve_unsafe_bind',
        `refusing to bind to non-loopback address ${shown} without ${TOKEN_ENV}`,
        `Error: non-loopback bind address ${shown} requires ${TOKEN_ENV} to be set`,
      );
    }
  }
  if (flags.allowOrigin !== undefined) checkOrigin(flags.allowOrigin);
  return { bind, ...(token ? { token } : {}), ...(flags.allowOrigin !== undefined ? { allowOrigin: flags.allowOrigin } : {}) };
}
