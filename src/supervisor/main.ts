// Entry of the detached per-job supervisor (`_supervise`); see src/core/supervisor.
process.exitCode = 0;
