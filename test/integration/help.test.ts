import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tempRoot';

/** Every flag `run` accepts, as the parser declares it (value name where it takes one). */
const RUN_FLAGS = [
  '--timeout <SECONDS>',
  '--kill-after <SECONDS>',
  '--cwd <CWD>',
  '--env <KEY=VALUE>',
  '--env-file <FILE>',
  '--inherit-env',
  '--no-inherit-env',
  '--mask <KEY>',
  '--stdin <VALUE>',
  '--stdin-file <PATH>',
  '--stdin-max-bytes <BYTES>',
  '--progress-every <SECONDS>',
  '--notify-command <COMMAND>',
  '--notify-file <PATH>',
  '--output-pattern <PATTERN>',
  '--output-match-type <TYPE>',
  '--output-stream <STREAM>',
  '--output-command <COMMAND>',
  '--output-file <PATH>',
  '--config <PATH>',
  '--shell-wrapper <WRAPPER>',
  '--tag <TAG>',
  '--log <LOG>',
  '--wait[=<true|false>]',
  '--until <UNTIL>',
  '--forever',
  '--no-wait',
  '--max-bytes <MAX_BYTES>',
  '--no-auto-gc',
  '--auto-gc-older-than <AUTO_GC_OLDER_THAN>',
  '--auto-gc-max-jobs <AUTO_GC_MAX_JOBS>',
  '--auto-gc-max-bytes <AUTO_GC_MAX_BYTES>',
  '--root <ROOT>',
  '--yaml',
  '--help',
];

/** The line of `help` that documents `flag` (the flag is followed by its description). */
const lineOf = (help: string, flag: string) =>
  help.split('\n').find((l) => new RegExp(`^ +(-\\w, )?${flag.replace(/[[\]()|<>=.*+?^$]/g, '\\$&')}  +\\S`).test(l));

test('run --help lists every flag with its value name, meaning and default; help run prints the same', async (t) => {
  const { dir, cleanup } = tempDir('ae-help-');
  t.after(cleanup);
  const r = await runCli(['run', '--help'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Run a command as a background job\n\nUsage: agent-exec run \[OPTIONS\] \[--\] <COMMAND>\.\.\.\n/);
  for (const flag of RUN_FLAGS) assert.ok(lineOf(r.stdout, flag), `run --help documents ${flag}:\n${r.stdout}`);
  assert.match(lineOf(r.stdout, '--until <UNTIL>')!, /\[default: 10\]/);
  assert.match(lineOf(r.stdout, '--max-bytes <MAX_BYTES>')!, /\[default: 65536\]/);
  assert.match(lineOf(r.stdout, '--output-stream <STREAM>')!, /\[default: either\] \[possible values: stdout, stderr, either\]/);
  const viaHelp = await runCli(['help', 'run'], { cwd: dir });
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.stdout, r.stdout);
  // -h anywhere before `--`, also with other flags; after `--` it belongs to the command.
  assert.equal((await runCli(['run', '--no-wait', '-h'], { cwd: dir })).stdout, r.stdout);
});

test('every subcommand has a --help with its flags, defaults and arguments', async (t) => {
  const { dir, cleanup } = tempDir('ae-help-');
  t.after(cleanup);
  const expect: Record<string, RegExp[]> = {
    wait: [/^ +<JOB_ID> +Job id/m, /--until <UNTIL> +.*\[default: 30\]/, /--forever +\S/, /--poll <POLL> +\S/],
    tail: [/--tail-lines <TAIL_LINES> +.*\[default: 50\]/, /--max-bytes <MAX_BYTES> +.*\[default: 65536\]/],
    kill: [/--signal <SIGNAL> +.*\[default: TERM\]/, /--grace <GRACE> +.*\[default: 5s\]/, /--no-wait +\S/],
    list: [
      /--limit <N> +.*\[default: 50\]/,
      /--all +\S/,
      /--state <STATE> +.*\[possible values: created, running, exited, killed, failed, unknown\]/,
    ],
    gc: [/--older-than <DURATION> +.*\[default: 30d\]/, /--dry-run +\S/],
    'tag set': [/^Usage: agent-exec tag set \[OPTIONS\] <JOB_ID>$/m, /--tag <TAG> +\S/],
    'notify set': [/--output-stream <STREAM> +.*\[possible values: stdout, stderr, either\]/],
    delete: [/^Usage: agent-exec delete \[OPTIONS\] \[JOB_ID\]$/m, /^Alias: rm$/m],
    completions: [/<SHELL> +.*\[possible values: bash, zsh, fish, powershell\]/],
    'install-skills': [/--global +\S/, /--claude +\S/],
    status: [/^Usage: agent-exec status \[OPTIONS\] <JOB_ID>$/m],
  };
  for (const [sub, patterns] of Object.entries(expect)) {
    const r = await runCli([...sub.split(' '), '--help'], { cwd: dir });
    assert.equal(r.code, 0, `${sub}: ${r.stderr}`);
    for (const p of patterns) assert.match(r.stdout, p, `${sub} --help`);
    assert.equal((await runCli(['help', ...sub.split(' ')], { cwd: dir })).stdout, r.stdout, `help ${sub}`);
  }
});

test('a misspelled subcommand is a usage error that suggests the nearest one and points at --help', async (t) => {
  const { dir, cleanup } = tempDir('ae-help-');
  t.after(cleanup);
  for (const [word, near] of [
    ['stauts', 'status'],
    ['lsit', 'list'],
    ['kil', 'kill'],
    ['notfy', 'notify set'],
  ]) {
    const r = await runCli([word, 'abc'], { cwd: dir });
    assert.equal(r.code, 2, word);
    assert.equal(r.stdout, '', 'usage errors leave stdout empty');
    assert.match(r.stderr, new RegExp(`^error: The subcommand '${word}' wasn't recognized\\n\\n\\tDid you mean '${near}'\\?\\n`), word);
    assert.match(r.stderr, /For more information try '--help'\n$/);
  }
  const far = await runCli(['frobnicate'], { cwd: dir });
  assert.equal(far.code, 2);
  assert.doesNotMatch(far.stderr, /Did you mean/);
  const helpTypo = await runCli(['help', 'stauts'], { cwd: dir });
  assert.equal(helpTypo.code, 2);
  assert.match(helpTypo.stderr, /Did you mean 'status'\?/);
});
