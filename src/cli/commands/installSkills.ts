/**
 * `install-skills [--global] [--claude]` (agent-exec-compat.md §4.13): writes this CLI's skill (how an agent
 * should use it) to `<base>/skills/agent-exec/` and records it in `<base>/.skill-lock.json`,
 * where base is `.agents` or `.claude` in the current directory, or in $HOME with `--global`.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { okEnvelope } from '../../core/envelope';
import { isObject } from '../../core/schema';
import { writeFileAtomic } from '../../core/store/atomicWrite';
import { nowTimestamp } from '../../core/time';
import type { CliCommand } from '../command';
import SKILL_MD from '../skills/agent-exec/SKILL.md';

const SKILL_NAME = 'agent-exec';
const SOURCE_TYPE = 'embedded';
/** Skill files: path inside the skill directory → content. */
const SKILL_FILES: Record<string, string> = { 'SKILL.md': SKILL_MD };
/** Skill files are documentation for agents, meant to be read (and committed) like any project file. */
const SKILL_FILE_MODE = 0o644;

/**
 * The lock file with our entry upserted. agent-exec writes `{"skills":[{name, source_type,
 * installed_at, path}]}`; the `skills` CLI keeps `{"version":…, "skills":{<name>:{…}}}`. Either
 * shape is kept as it is, with every other skill's entry and every other key untouched.
 */
function upsertLock(
  current: unknown,
  entry: { name: string; source_type: string; installed_at: string; path: string },
): Record<string, unknown> {
  const lock = isObject(current) ? { ...current } : {};
  if (isObject(lock.skills)) {
    const { name, ...fields } = entry;
    lock.skills = { ...lock.skills, [name]: { ...(isObject(lock.skills[name]) ? lock.skills[name] : {}), ...fields } };
    return lock;
  }
  const list = Array.isArray(lock.skills) ? [...(lock.skills as unknown[])] : [];
  const at = list.findIndex((s) => isObject(s) && s.name === entry.name);
  if (at >= 0) list[at] = entry;
  else list.push(entry);
  return { ...lock, skills: list };
}

async function readLock(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const lock: unknown = JSON.parse(text);
    if (!isObject(lock)) throw new Error('not a JSON object');
    return lock;
  } catch (err) {
    // Never overwrite a lock file we cannot read: it records other skills.
    throw new Error(
      `cannot update ${file}: ${err instanceof Error ? err.message : String(err)}; fix or remove it and run install-skills again`,
      { cause: err },
    );
  }
}

export const installSkillsCommand: CliCommand = {
  spec: {
    name: 'install-skills',
    about: 'Install the agent-exec skill for coding agents (.agents/skills or .claude/skills)',
    flags: [
      { name: 'global', help: 'Install under $HOME instead of the current directory' },
      { name: 'claude', help: 'Install into .claude/skills (Claude Code) instead of .agents/skills' },
    ],
    positionals: [],
  },
  run: async (args, ctx) => {
    const global = args.bool('global');
    const base = path.join(global ? ctx.env.HOME || os.homedir() : ctx.cwd, args.bool('claude') ? '.claude' : '.agents');
    const skillDir = path.join(base, 'skills', SKILL_NAME);
    const lockFile = path.join(base, '.skill-lock.json');
    const lock = await readLock(lockFile);
    for (const [rel, content] of Object.entries(SKILL_FILES)) {
      const file = path.join(skillDir, rel);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, content, SKILL_FILE_MODE);
    }
    const entry = { name: SKILL_NAME, source_type: SOURCE_TYPE, installed_at: nowTimestamp(), path: skillDir };
    await writeFileAtomic(lockFile, JSON.stringify(upsertLock(lock, entry), null, 2), SKILL_FILE_MODE);
    return okEnvelope('install_skills', {
      skills: [{ name: SKILL_NAME, source_type: SOURCE_TYPE, path: skillDir }],
      global,
      lock_file_path: lockFile,
    });
  },
};
