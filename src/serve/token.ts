/**
 * The default `serve` token (our fix for an open local server): without
 * `AGENT_EXEC_SERVE_TOKEN`, the server uses the token in `serve-token` beside the job root
 * (`<root>/../serve-token`), creating it (random, mode 0600, O_EXCL) on first use. Clients
 * read it from there; it is never printed or logged. Delete the file to rotate the token.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../core/errors';
import { StartupRefusal } from './options';

export const TOKEN_FILE = 'serve-token';
const TOKEN_SHAPE = /^[0-9a-f]{64}$/;

export const tokenFilePath = (root: string): string => path.join(path.dirname(path.resolve(root)), TOKEN_FILE);

const refuse = (file: string, why: string) =>
  new StartupRefusal(
    'invalid_config',
    `cannot use token file ${file}: ${why}`,
    `Error: cannot use token file ${file}: ${why} (remove it to get a new one)`,
  );

/** The existing token, or undefined when the file does not exist; a file others could read or swap is refused. */
async function readToken(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuse(file, describeError(err));
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw refuse(file, 'not a regular file');
    if (process.getuid && st.uid !== process.getuid()) throw refuse(file, 'owned by another user');
    if ((st.mode & 0o077) !== 0) throw refuse(file, `mode ${(st.mode & 0o777).toString(8)}, expected 600`);
    const token = (await handle.readFile('utf8')).trim();
    if (!TOKEN_SHAPE.test(token)) throw refuse(file, 'not a token written by agent-exec serve');
    return token;
  } finally {
    await handle.close();
  }
}

/**
 * Reads the token file, creating it first when absent. The token is written to a private temp
 * file and linked into place, so the file is never seen empty: two servers starting at once end
 * up with the same token, and a crash leaves no empty file behind.
 */
export async function defaultToken(file: string): Promise<string> {
  const existing = await readToken(file);
  if (existing) return existing;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(`${token}\n`);
    } finally {
      await handle.close();
    }
    await fs.link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return (await readToken(file)) ?? Promise.reject(refuse(file, 'removed while starting'));
    throw refuse(file, describeError(err));
  } finally {
    await fs.rm(temp, { force: true });
  }
  return token;
}
