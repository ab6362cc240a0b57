/** The extension's JobService on a test root, launching with the built supervisor (dist/supervisor.js). */
import * as path from 'node:path';
import { JobService, type JobServiceOptions } from '../../src/extension/jobs/jobService';

/** Every start is trusted and nothing is logged unless `opts` says otherwise. */
export function testJobService(root: string, opts: Partial<JobServiceOptions> = {}): JobService {
  return new JobService({
    root,
    runtime: { execPath: process.execPath, script: path.resolve('dist/supervisor.js') },
    env: process.env,
    log: () => undefined,
    requireTrust: () => undefined,
    ...opts,
  });
}
