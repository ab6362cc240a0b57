import { isObject, type MatchStream, type MatchType, type Notification, type OutputMatch } from '../schema';
import { resolveJob } from '../store/jobDir';
import { updateMeta } from '../store/metaFile';

/** What `notify set` may change; undefined fields keep the current value. */
export interface NotifyChanges {
  command?: string;
  outputPattern?: string;
  outputMatchType?: MatchType;
  outputStream?: MatchStream;
  outputCommand?: string;
  outputFile?: string;
}

export interface NotifySetResult {
  job_id: string;
  notification: Notification;
}

/** The output-match config after applying `c` (agent-exec-compat.md §4.12); undefined = none. */
function mergeOutputMatch(current: OutputMatch | undefined, c: NotifyChanges): OutputMatch | undefined {
  const touched = [c.outputPattern, c.outputMatchType, c.outputStream, c.outputCommand, c.outputFile].some((v) => v !== undefined);
  if (!touched) return current;
  const base = current ?? { pattern: '', match_type: 'contains', stream: 'either' };
  const pattern = c.outputPattern ?? base.pattern;
  if (!pattern) return undefined;
  const command = c.outputCommand ?? base.command;
  const file = c.outputFile ?? base.file;
  return {
    pattern,
    match_type: c.outputMatchType ?? base.match_type,
    stream: c.outputStream ?? base.stream,
    ...(command !== undefined ? { command } : {}),
    ...(file !== undefined ? { file } : {}),
  };
}

/**
 * `notify set` (agent-exec-compat.md §4.12): metadata only, never runs a sink. `--command` replaces the
 * completion command; `notify_file` is kept as is; output-match flags overlay the current
 * config, and an empty pattern removes it.
 */
export async function setNotification(root: string, input: string, changes: NotifyChanges): Promise<NotifySetResult> {
  const paths = await resolveJob(root, input);
  const meta = await updateMeta(paths, (m) => {
    const cur: Notification = isObject(m.notification) ? m.notification : {};
    const notifyCommand = changes.command ?? cur.notify_command;
    const onOutput = mergeOutputMatch(isObject(cur.on_output_match) ? cur.on_output_match : undefined, changes);
    const next: Notification = {
      ...(notifyCommand !== undefined ? { notify_command: notifyCommand } : {}),
      ...(cur.notify_file !== undefined ? { notify_file: cur.notify_file } : {}),
      ...(onOutput ? { on_output_match: onOutput } : {}),
    };
    return { ...m, notification: Object.keys(next).length > 0 ? next : undefined };
  });
  return { job_id: paths.id, notification: meta.notification ?? {} };
}
