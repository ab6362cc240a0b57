/**
 * Entry of the detached per-job supervisor: `supervisor.js _supervise --job-id <id>
 * --supervise-root <root>`, spec on stdin, handshake on stdout (see src/core/supervisor); and
 * of the Node steps a shim-supervised job runs: `_finish`, `_follow` and `_progress` (finish.ts).
 */
import { runShimStep } from '../core/supervisor/finish';
import { runSuperviseCommand } from '../core/supervisor/supervise';

const argv = process.argv.slice(2);
if (argv[0] === '_finish' || argv[0] === '_follow' || argv[0] === '_progress') runShimStep(argv, process.stdin);
else runSuperviseCommand(argv);
