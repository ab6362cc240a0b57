/**
 * `npm start`: the packaged extension in a real VS Code. With `code` on the PATH the VSIX is
 * installed there; otherwise the project's own code-server (installed by test/e2e/setup.mjs)
 * starts on 127.0.0.1 with the extension and a small demo workspace, and the URL is printed.
 * State (settings, installed extension, demo workspace) lives outside the repository (see
 * harness/demo.ts, printed at start); jobs go to the usual agent-exec job root, so jobs started by
 * the CLI show up too. Ctrl-C stops code-server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CodeServer, installVsix, VSIX } from './harness/codeServer';
import { demoDir } from './harness/demo';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, cmd)));
}

async function main(): Promise<void> {
  if (onPath('code') && !process.env.AGENT_EXEC_USE_CODE_SERVER) {
    execFileSync('code', ['--install-extension', VSIX, '--force'], { stdio: 'inherit' });
    console.log('Installed the Agent Exec extension into VS Code: open the "Agent Exec" view in the activity bar.');
    return;
  }
  const demo = demoDir();
  mkdirSync(demo, { recursive: true, mode: 0o700 });
  console.log(`Demo VS Code state and workspace: ${demo}`);
  const dirs = {
    userData: path.join(demo, 'user-data'),
    extensions: path.join(demo, 'extensions'),
    workspace: path.join(demo, 'workspace'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  const settings = path.join(dirs.userData, 'User', 'settings.json');
  if (!existsSync(settings)) {
    writeFileSync(
      settings,
      JSON.stringify(
        { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off' },
        null,
        2,
      ),
    );
  }
  writeFileSync(
    path.join(dirs.workspace, 'README.md'),
    '# Agent Exec demo\n\nOpen the **Agent Exec** view in the activity bar, then **Run a Command…** (Ctrl+Alt+J), e.g. `./count.sh`.\nKill it from the tree with the signal of your choice.\n',
  );
  writeFileSync(
    path.join(dirs.workspace, 'count.sh'),
    '#!/bin/sh\ntrap \'echo "got INT"; exit 130\' INT\ni=0\nwhile [ $i -lt 600 ]; do i=$((i+1)); echo "tick $i"; sleep 1; done\n',
    { mode: 0o755 },
  );
  // code-server's own config.yaml and caches go to the demo folder; XDG_DATA_HOME stays, so the
  // extension finds the same job root as the agent-exec CLI in this shell.
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(demo, 'config'), XDG_CACHE_HOME: path.join(demo, 'cache') };
  installVsix(dirs, env);
  const server = await CodeServer.start(dirs, env, { workspaceTrust: false }, (child) => {
    child.stderr!.pipe(process.stderr);
  });
  console.log(`\nAgent Exec in code-server: ${server.url(dirs.workspace)}\n(Ctrl-C stops it)\n`);
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
