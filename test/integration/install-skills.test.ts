import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tempRoot';

/** A project directory and a separate $HOME, both removed after the test. */
function places(t: { after: (fn: () => void) => void }) {
  const { dir, cleanup } = tempDir('ae-skills-');
  t.after(cleanup);
  const cwd = path.join(dir, 'project');
  const home = path.join(dir, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  const install = (...flags: string[]) => runCli(['install-skills', ...flags], { cwd, env: { HOME: home } });
  return { cwd, home, install };
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('install-skills writes SKILL.md to ./.agents/skills/agent-exec and records it in .skill-lock.json (agent-exec 0.2.3 shape)', async (t) => {
  const { cwd, home, install } = places(t);
  const r = await install();
  assert.equal(r.code, 0, r.stderr);
  const skillDir = path.join(cwd, '.agents', 'skills', 'agent-exec');
  const lockFile = path.join(cwd, '.agents', '.skill-lock.json');
  assert.deepEqual(r.json, {
    schema_version: '0.1',
    ok: true,
    type: 'install_skills',
    skills: [{ name: 'agent-exec', source_type: 'embedded', path: skillDir }],
    global: false,
    lock_file_path: lockFile,
  });
  const skill = readFileSync(path.join(skillDir, 'SKILL.md'), 'utf8');
  assert.match(skill, /^---\nname: agent-exec\ndescription: .+\n---\n/, 'front matter an agent loader reads');
  // The text is about this CLI: the commands and flags it documents exist.
  for (const cmd of ['run', 'create', 'start', 'wait --until', 'tail', 'kill --signal', 'list --all'])
    assert.ok(skill.includes(`agent-exec ${cmd}`), cmd);
  for (const code of ['job_not_found', 'ambiguous_job_id', 'invalid_state']) assert.ok(skill.includes(code), code);
  assert.equal(statSync(path.join(skillDir, 'SKILL.md')).mode & 0o777, 0o644, 'a readable project file');
  const lock = readJson(lockFile);
  assert.deepEqual(Object.keys(lock), ['skills']);
  assert.equal(lock.skills.length, 1);
  assert.deepEqual(Object.keys(lock.skills[0]), ['name', 'source_type', 'installed_at', 'path']);
  assert.match(lock.skills[0].installed_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.deepEqual(
    { ...lock.skills[0], installed_at: '' },
    { name: 'agent-exec', source_type: 'embedded', installed_at: '', path: skillDir },
  );
  assert.ok(!existsSync(path.join(home, '.agents')), 'nothing under $HOME without --global');
  // No temp file left behind by the atomic writes.
  assert.deepEqual(readdirSync(path.join(cwd, '.agents')).sort(), ['.skill-lock.json', 'skills']);
  assert.deepEqual(readdirSync(skillDir), ['SKILL.md']);
});

test('install-skills --claude and --global choose .claude and $HOME', async (t) => {
  const { cwd, home, install } = places(t);
  const cases: [string[], string][] = [
    [['--claude'], path.join(cwd, '.claude')],
    [['--global'], path.join(home, '.agents')],
    [['--global', '--claude'], path.join(home, '.claude')],
  ];
  for (const [flags, base] of cases) {
    const r = await install(...flags);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.global, flags.includes('--global'));
    assert.equal(r.json.skills[0].path, path.join(base, 'skills', 'agent-exec'));
    assert.equal(r.json.lock_file_path, path.join(base, '.skill-lock.json'));
    assert.ok(existsSync(path.join(base, 'skills', 'agent-exec', 'SKILL.md')), flags.join(' '));
  }
});

test('install-skills is idempotent and keeps other skills in the lock file (list and map shapes); an unreadable lock is left alone', async (t) => {
  const { cwd, install } = places(t);
  const base = path.join(cwd, '.agents');
  const lockFile = path.join(base, '.skill-lock.json');
  mkdirSync(base);
  const other = { name: 'other', source_type: 'github', installed_at: '2026-01-01T00:00:00Z', path: '/x/other' };
  writeFileSync(
    lockFile,
    JSON.stringify({ skills: [other, { name: 'agent-exec', source_type: 'embedded', installed_at: 'old', path: 'old' }] }),
  );
  assert.equal((await install()).code, 0);
  assert.equal((await install()).code, 0);
  const list = readJson(lockFile).skills;
  assert.equal(list.length, 2, 'upserted, not appended');
  assert.deepEqual(list[0], other);
  assert.equal(list[1].path, path.join(base, 'skills', 'agent-exec'));

  // The `skills` CLI's shape: {version, skills: {<name>: {...}}}: kept, our entry added by name.
  const foreign = { version: 3, skills: { 'some-skill': { source: 'a/b', sourceType: 'github', skillFolderHash: 'abc' } } };
  writeFileSync(lockFile, JSON.stringify(foreign));
  assert.equal((await install()).code, 0);
  const map = readJson(lockFile);
  assert.equal(map.version, 3);
  assert.deepEqual(map.skills['some-skill'], foreign.skills['some-skill']);
  assert.equal(map.skills['agent-exec'].path, path.join(base, 'skills', 'agent-exec'));
  assert.equal(map.skills['agent-exec'].source_type, 'embedded');

  writeFileSync(lockFile, '{not json');
  const bad = await install();
  assert.equal(bad.code, 1);
  assert.equal(bad.json.error.code, 'internal_error');
  assert.match(bad.json.error.message, /\.skill-lock\.json/);
  assert.equal(readFileSync(lockFile, 'utf8'), '{not json', 'an unreadable lock file is not overwritten');
});
