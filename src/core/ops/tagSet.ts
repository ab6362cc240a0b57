import { resolveJob } from '../store/jobDir';
import { updateMeta } from '../store/metaFile';
import { dedupeTags } from '../tags';

export interface TagSetResult {
  job_id: string;
  tags: string[];
}

/** `tag set` (agent-exec-compat.md §4.11): replaces the job's tags (deduplicated; none = clear), in any state. */
export async function setTags(root: string, input: string, tags: readonly string[]): Promise<TagSetResult> {
  const paths = await resolveJob(root, input);
  const meta = await updateMeta(paths, (m) => ({ ...m, tags: dedupeTags(tags) }));
  return { job_id: paths.id, tags: meta.tags };
}
