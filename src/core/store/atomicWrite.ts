import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Write-then-rename in the target's directory, mode 0600, like agent-exec's tempfile
 * writer: readers see the old or the new file, never a half-written one. On failure the
 * temp file is removed so a full disk leaves nothing behind. `mode` is for files that are not
 * job records (e.g. skill files meant to be shared).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = path.join(path.dirname(target), `.tmp-${randomBytes(6).toString('hex')}`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', mode);
    await handle.writeFile(data);
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Pretty JSON (2-space, no trailing newline) exactly as serde's `to_string_pretty`. */
export const writeJsonAtomic = (target: string, value: unknown): Promise<void> => writeFileAtomic(target, JSON.stringify(value, null, 2));

/**
 * Creates `target` with `data` unless it exists: written to a temp file and linked into place,
 * so it is never seen half-written and of two racing writers exactly one wins. True when this
 * call created it.
 */
export async function createFileOnce(target: string, data: string): Promise<boolean> {
  const tmp = path.join(path.dirname(target), `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await writeFileAtomic(tmp, data);
    await fs.link(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}
