/** What `--version` prints: the agent-exec release whose behaviour this CLI reproduces. */
export const CLI_NAME = 'agent-exec';
export const CLI_VERSION = '0.2.3';
export const VERSION = `${CLI_NAME} ${CLI_VERSION}`;
