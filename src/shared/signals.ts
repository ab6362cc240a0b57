/**
 * What each signal a user can send does, in the words of the kill Quick Pick and the panel's
 * kill menu. The keys are the kill signals of src/core/process/signals.ts (pinned by
 * test/unit/protocol/pins.test.ts); package.json's enumDescriptions say the same for the setting.
 */
export const SIGNAL_DESCRIPTIONS = {
  TERM: 'ask to stop',
  INT: 'interrupt, like Ctrl-C',
  KILL: 'force, cannot be caught',
  HUP: 'hang up, often "reload"',
  QUIT: 'quit with a core dump',
  USR1: 'user-defined signal 1',
  USR2: 'user-defined signal 2',
} as const;
