import { randomBytes } from 'node:crypto';

/** New ids: 16 random bytes as 32 lowercase hex characters (agent-exec-compat.md §1.3). */
export const newJobId = (): string => randomBytes(16).toString('hex');

export const SHORT_ID_LENGTH = 7;

/**
 * What a user may type as a job id or prefix: letters, digits, `-` and `_`, at most 128
 * characters. Rejects `..`, `/`, `\`, NUL and the empty string, so no input can name a
 * path outside the root (agent-exec-compat.md §10.18).
 */
export const isValidIdInput = (input: string): boolean => /^[A-Za-z0-9_-]{1,128}$/.test(input);
