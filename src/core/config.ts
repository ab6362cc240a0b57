/**
 * `config.toml` (agent-exec-compat.md §8.1): `[gc]` auto-GC policy and `[shell]` wrappers. A missing file
 * means defaults; malformed TOML or wrong value types are `internal_error`.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { JobError, describeError } from './errors';

export interface GcConfig {
  auto?: boolean;
  older_than?: string;
  max_jobs?: number;
  max_bytes?: number;
  scan_limit?: number;
  delete_limit?: number;
}

export interface AgentExecConfig {
  gc: GcConfig;
  shell: { unix?: string[]; windows?: string[] };
}

/** `<config_dir>/agent-exec/config.toml`, config_dir as the Rust `directories` crate picks it. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  let base: string;
  if (process.platform === 'win32') base = env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming');
  else if (process.platform === 'darwin') base = path.join(env.HOME || os.homedir(), 'Library', 'Application Support');
  else base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'agent-exec', 'config.toml');
}

const configError = (file: string, what: string) => new JobError('internal_error', `invalid config ${file}: ${what}`);

function pick<T>(
  file: string,
  table: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  expected: string,
): T | undefined {
  const v = table[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw configError(file, `${key} must be ${expected}`);
  return v;
}

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number =>
  (typeof v === 'number' || typeof v === 'bigint') && Number(v) >= 0 && Number.isSafeInteger(Number(v));
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const asTable = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function nonEmptyWrapper(file: string, key: string, v: string[] | undefined): string[] | undefined {
  if (v !== undefined && v.length === 0) throw configError(file, `shell.${key} must not be empty`);
  return v;
}

/** Reads the config (`--config` path, else the default path). */
export async function loadConfig(configPath?: string, env: NodeJS.ProcessEnv = process.env): Promise<AgentExecConfig> {
  const file = configPath ?? defaultConfigPath(env);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && configPath === undefined) return { gc: {}, shell: {} };
    throw new JobError('internal_error', `failed to read config ${file}: ${describeError(err)}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new JobError('internal_error', `failed to parse config ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const gc = asTable(doc.gc);
  const shell = asTable(doc.shell);
  const count = (key: string) => {
    const v = pick(file, gc, key, isCount, 'a non-negative integer');
    return v === undefined ? undefined : Number(v);
  };
  return {
    gc: {
      auto: pick(file, gc, 'auto', isBool, 'a boolean'),
      older_than: pick(file, gc, 'older_than', isStr, 'a string'),
      max_jobs: count('max_jobs'),
      max_bytes: count('max_bytes'),
      scan_limit: count('scan_limit'),
      delete_limit: count('delete_limit'),
    },
    shell: {
      unix: nonEmptyWrapper(file, 'unix', pick(file, shell, 'unix', isStrList, 'an array of strings')),
      windows: nonEmptyWrapper(file, 'windows', pick(file, shell, 'windows', isStrList, 'an array of strings')),
    },
  };
}

export const DEFAULT_SHELL_WRAPPER: readonly string[] = process.platform === 'win32' ? ['cmd', '/C'] : ['sh', '-lc'];

/** `--shell-wrapper "<PROG FLAGS>"`: split on whitespace, no quoting (agent-exec-compat.md §4.1). */
export function parseShellWrapperFlag(flag: string): string[] {
  const parts = flag.split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0) throw new JobError('internal_error', 'shell wrapper must not be empty');
  return parts;
}

/** The wrapper when no `--shell-wrapper` is given: config `[shell]`, else the platform default. */
export function configuredShellWrapper(config: AgentExecConfig): string[] {
  const fromConfig = process.platform === 'win32' ? config.shell.windows : config.shell.unix;
  return [...(fromConfig ?? DEFAULT_SHELL_WRAPPER)];
}
