import { runSuperviseCommand } from '../../core/supervisor/supervise';
import type { CliCommand } from '../command';

/** Hidden `_supervise` (same as dist/supervisor.js): prints only its handshake, never an envelope. */
export const superviseCommand: CliCommand = {
  spec: {
    name: '_supervise',
    about: 'Internal: supervise one job',
    hidden: true,
    flags: [
      { name: 'job-id', value: '<JOB_ID>' },
      { name: 'supervise-root', value: '<ROOT>' },
    ],
    positionals: [],
  },
  run: (args) => {
    runSuperviseCommand(['--job-id', args.str('job-id') ?? '', '--supervise-root', args.str('supervise-root') ?? '']);
    // The supervisor exits the process itself when the job is done.
    return new Promise<object>(() => undefined);
  },
};
