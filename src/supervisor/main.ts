/**
 * Entry of the detached per-job supervisor: `supervisor.js _supervise --job-id <id>
 * --supervise-root <root>`, spec on stdin, handshake on stdout (see src/core/supervisor).
 */
import { runSuperviseCommand } from '../core/supervisor/supervise';

runSuperviseCommand(process.argv.slice(2));
