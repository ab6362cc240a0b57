/**
 * `send-input` (ours): writes to the input channel of a `--stdin-pipe` job — a FIFO its
 * supervisor holds open, so the workload blocks on a read instead of reading end-of-file — and
 * with `eof` ends the input (the supervisor closes its hold on `stdin.eof`, woken by SIGUSR1).
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { JobError, invalidState } from '../errors';
import { readMeta, resolveJob } from '../store/jobDir';
import { readCurrentState, supervisorAlive } from '../store/stateFile';

export interface SendInputResult {
  job_id: string;
  bytes_written: number;
  eof: boolean;
}

/** A full pipe (the job is not reading) is retried this long before giving up. */
const FULL_PIPE_WAIT_MS = 5000;

async function writeAll(fifo: string, data: Buffer, jobId: string): Promise<void> {
  let handle: fs.FileHandle;
  try {
    // Non-blocking: with no reader left (the job is gone) the open fails at once (ENXIO) instead of hanging.
    handle = await fs.open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw invalidState(`job ${jobId} is not reading its input any more`);
    throw new JobError('io_error', `cannot open the input of job ${jobId}: ${(err as Error).message}`);
  }
  try {
    const deadline = Date.now() + FULL_PIPE_WAIT_MS;
    for (let off = 0; off < data.length;) {
      try {
        off += (await handle.write(data, off, data.length - off)).bytesWritten;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        if (Date.now() > deadline) throw new JobError('io_error', `job ${jobId} is not reading its input (the pipe stayed full)`);
        await delay(10);
      }
    }
  } finally {
    await handle.close();
  }
}

/** Sends `text` (a newline is added unless it ends with one) and/or ends the input. */
export async function sendInput(root: string, input: string, opts: { text?: string; eof?: boolean }): Promise<SendInputResult> {
  const paths = await resolveJob(root, input);
  const meta = await readMeta(paths);
  if (!meta.stdin_pipe)
    throw new JobError('no_input_channel', `job ${paths.id} has no input channel (start it with --stdin-pipe)`, { job_id: paths.id });
  const st = await readCurrentState(paths);
  if (st.job.status !== 'running') throw invalidState(`job ${input} is in '${st.job.status}' state; only a running job takes input`);
  let written = 0;
  if (opts.text !== undefined) {
    const data = Buffer.from(opts.text.endsWith('\n') ? opts.text : `${opts.text}\n`, 'utf8');
    await writeAll(paths.inputFifo, data, paths.id);
    written = data.length;
  }
  if (opts.eof) {
    await fs.writeFile(paths.inputEof, '', { mode: 0o600 });
    if (supervisorAlive(st)) process.kill(st.supervisor_pid!, 'SIGUSR1');
  }
  return { job_id: paths.id, bytes_written: written, eof: opts.eof === true };
}
