/** package.json `contributes` ↔ src/extension/ids.ts and config.ts: nothing declared that the code lacks, and the reverse. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, JOBS_VIEW_ID, VIEW_CONTAINER_ID } from '../../../src/extension/ids';

const pkg = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8'));
const contributes = pkg.contributes;
const declared: string[] = contributes.commands.map((c: { command: string }) => c.command);
const ours: string[] = Object.values(Command);
/** Commands registered by other parts of the extension (the job panel, issue 5). */
const others = (id: string) => /JobPanel/.test(id);

test('every command in ids.ts is contributed, and every contributed command is in ids.ts', () => {
  assert.deepEqual([...ours].sort(), declared.filter((id) => !others(id)).sort());
  assert.equal(new Set(declared).size, declared.length, 'duplicate command');
});

test('commands have a Title Case title and the "Agent Exec" category', () => {
  for (const c of contributes.commands) {
    assert.equal(c.category, 'Agent Exec', c.command);
    assert.match(c.title, /^[A-Z][\w-]*( ([A-Z][\w-]*|with|as|in|of|to|the|…|\(force\)|TERM|INT|KILL|ID|JSON))*…?$/, c.title);
  }
});

test('menus, keybindings and welcome content only refer to contributed commands and views', () => {
  const views = Object.values(contributes.views)
    .flat()
    .map((v) => (v as { id: string }).id);
  assert.ok(views.includes(JOBS_VIEW_ID));
  // JOB_PANEL_VIEW_ID (panel/jobPanel.ts imports vscode, which a unit test cannot load).
  assert.ok(views.includes('agentExec.jobPanel'), 'the job panel view is not contributed');
  assert.ok(contributes.viewsContainers.activitybar.some((c: { id: string }) => c.id === VIEW_CONTAINER_ID));
  for (const [menu, items] of Object.entries(contributes.menus) as [string, { command: string; when?: string }[]][]) {
    for (const item of items) {
      assert.ok(declared.includes(item.command), `${menu}: unknown command ${item.command}`);
      for (const m of (item.when ?? '').matchAll(/view == ([\w.]+)/g)) assert.ok(views.includes(m[1]), `${menu}: unknown view ${m[1]}`);
    }
  }
  for (const k of contributes.keybindings) assert.ok(declared.includes(k.command));
  for (const w of contributes.viewsWelcome) {
    assert.ok(views.includes(w.view));
    for (const m of (w.contents as string).matchAll(/\(command:([\w.]+)\)/g))
      assert.ok(declared.includes(m[1]) || m[1].startsWith('workbench.'), m[1]);
  }
});

test('every setting read in config.ts is declared with a default', () => {
  const source = readFileSync(path.resolve('src/extension/config.ts'), 'utf8');
  const read = [...source.matchAll(/c\.get<\w+>\('([\w.]+)'/g)].map((m) => `agentExec.${m[1]}`);
  assert.ok(read.length >= 5);
  const props = contributes.configuration.properties;
  for (const key of read) assert.ok(key in props && 'default' in props[key], key);
  for (const key of Object.keys(props)) assert.ok(read.includes(key), `declared but never read: ${key}`);
});

test('activation, placement and trust are declared as issue 4 asks', () => {
  assert.equal(pkg.main, './dist/extension.js');
  assert.ok(!pkg.activationEvents.includes('*'));
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.ok(pkg.capabilities.untrustedWorkspaces.description.length > 20);
  // code-server 4.100.3 is VS Code 1.100.3; vsce refuses @types/vscode newer than engines.vscode.
  assert.equal(pkg.engines.vscode, '^1.100.0');
  assert.equal(pkg.devDependencies['@types/vscode'], '1.100.0');
  const run = declared.indexOf(Command.run);
  assert.equal(contributes.commands[run].enablement, 'isWorkspaceTrusted');
});
