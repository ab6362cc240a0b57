import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { jobRoot, PROCS, waitForRoles } from '../helpers/jobProcs';
import { tempDir } from '../helpers/tempRoot';
import { NEEDS_LINUX } from '../helpers/platform';

/** A PATH whose `agent-exec` is the built dist/cli.js (and whose `node` runs it), as after an install. */
function installedPath(t: { after: (fn: () => void) => void }): string {
  const { dir, cleanup } = tempDir('ae-compl-bin-');
  t.after(cleanup);
  symlinkSync(CLI, path.join(dir, 'agent-exec'));
  return [dir, path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter);
}

/**
 * Sources the script `agent-exec completions bash` prints in a real bash, sets COMP_WORDS and
 * COMP_CWORD for `line` (a trailing space = completing a new, empty word), calls the function
 * the script registered for agent-exec, and returns COMPREPLY.
 */
function bashComplete(line: string, env: NodeJS.ProcessEnv, cwd: string): string[] {
  const script = [
    'source <(agent-exec completions bash) || exit 3',
    'fn=$(complete -p agent-exec | sed -E "s/.* -F ([^ ]+) .*/\\1/")',
    'read -ra COMP_WORDS <<< "$LINE"',
    '[[ "$LINE" == *" " ]] && COMP_WORDS+=("")',
    'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
    'COMP_LINE=$LINE; COMP_POINT=${#LINE}',
    '"$fn" agent-exec "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd, env: { ...env, LINE: line }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `bash: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

test(
  "completions bash: `agent-exec kill <TAB>` offers the running job of this directory, not finished or other directories' jobs",
  { skip: NEEDS_LINUX },
  async (t) => {
    const { root, run } = jobRoot(t, 'ae-compl-');
    const { dir: other, cleanup } = tempDir('ae-compl-other-');
    t.after(cleanup);
    const running = await run([process.execPath, 'forever.js', 'root']);
    await waitForRoles(running, ['root']);
    const elsewhere = await run([process.execPath, path.join(PROCS, 'forever.js'), 'root'], {}, ['--cwd', other]);
    await waitForRoles(elsewhere, ['root']);
    const done = await runCli(['--root', root, 'run', '--', 'true'], { cwd: PROCS });
    assert.equal(done.code, 0, done.stderr);
    const finished = done.json.job_id as string;
    const created = (await runCli(['--root', root, 'create', '--', 'true'], { cwd: PROCS })).json.job_id as string;
    const env = { ...process.env, PATH: installedPath(t), AGENT_EXEC_ROOT: root, XDG_DATA_HOME: '' };

    assert.deepEqual(bashComplete('agent-exec kill ', env, PROCS), [running.jobId]);
    assert.deepEqual(bashComplete(`agent-exec kill ${running.jobId.slice(0, 4)}`, env, PROCS), [running.jobId]);
    assert.deepEqual(bashComplete(`agent-exec kill ${running.jobId} `, env, PROCS), [], 'kill takes one job id');
    // Other subcommands offer the states they accept (agent-exec-compat.md §4.13); running jobs come first.
    assert.deepEqual(bashComplete('agent-exec start ', env, PROCS), [created]);
    assert.deepEqual(bashComplete('agent-exec delete ', env, PROCS), [finished]);
    assert.deepEqual(bashComplete('agent-exec status ', env, PROCS)[0], running.jobId);
    assert.deepEqual(bashComplete('agent-exec status ', env, PROCS).sort(), [running.jobId, finished, created].sort());
    assert.deepEqual(bashComplete('agent-exec wait ', env, PROCS).sort(), [running.jobId, created].sort());
    assert.deepEqual(bashComplete('agent-exec kill ', env, other), [elsewhere.jobId]);
    // --root on the line wins over the environment.
    const { AGENT_EXEC_ROOT: _root, ...noRootEnv } = env;
    assert.deepEqual(bashComplete(`agent-exec --root ${root} kill `, { ...noRootEnv, XDG_DATA_HOME: path.join(other, 'none') }, PROCS), [
      running.jobId,
    ]);
    // Subcommands, two-word subcommands, flags and flag values complete too.
    assert.deepEqual(bashComplete('agent-exec st', env, PROCS), ['start', 'status']);
    assert.deepEqual(bashComplete('agent-exec notify ', env, PROCS), ['set']);
    assert.deepEqual(bashComplete('agent-exec kill --no', env, PROCS), ['--no-wait']);
    assert.deepEqual(bashComplete('agent-exec list --state r', env, PROCS), ['running']);
    assert.deepEqual(bashComplete('agent-exec completions ', env, PROCS), ['bash', 'zsh', 'fish', 'powershell']);
    for (const job of [running, elsewhere]) assert.equal((await runCli(['--root', root, 'kill', job.jobId])).json.state, 'killed');
  },
);

test('completions zsh, fish, powershell print their script (exit 0); an unknown shell is a usage error (exit 2)', async (t) => {
  const { dir, cleanup } = tempDir('ae-compl-');
  t.after(cleanup);
  mkdirSync(path.join(dir, 'root'));
  const marks: Record<string, RegExp> = {
    zsh: /compdef _agent_exec agent-exec/,
    fish: /complete -c agent-exec/,
    powershell: /Register-ArgumentCompleter -Native -CommandName agent-exec/,
  };
  for (const [shell, mark] of Object.entries(marks)) {
    const r = await runCli(['completions', shell], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, mark, shell);
    assert.match(r.stdout, new RegExp(`COMPLETE.{0,4}${shell}`), `${shell}: calls agent-exec back with COMPLETE=${shell}`);
    assert.equal(r.stderr, '');
  }
  const bad = await runCli(['completions', 'tcsh'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^error: 'tcsh' isn't a valid value for '<SHELL>'\n\t\[possible values: bash, zsh, fish, powershell\]/);
  // The callback itself: no words → the registration script, like clap_complete's COMPLETE=<shell>.
  const reg = await runCli([], { cwd: dir, env: { COMPLETE: 'bash' } });
  assert.equal(reg.code, 0);
  assert.match(reg.stdout, /complete .*-F _agent_exec agent-exec/);
});
