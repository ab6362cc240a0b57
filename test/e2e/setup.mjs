#!/usr/bin/env node
// Installs what the end-to-end tests need, idempotently and offline except for the npm registry
// (and Debian's apt for Chromium/ripgrep when missing and running as root). Recipe and reasons:
// shared/notes/vscode-e2e.md. A finished install is a no-op (a marker file records it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const toolsDir = process.env.AGENT_EXEC_E2E_TOOLS ?? path.join(repo, '.e2e', 'tools');
const marker = path.join(toolsDir, `.ready-code-server-${CODE_SERVER_VERSION}`);

const log = (msg) => process.stderr.write(`[e2e setup] ${msg}\n`);
function run(cmd, args, cwd, env = {}) {
  log(`${path.relative(repo, cwd) || '.'}$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
}
// node-gyp would download Node headers without a local nodedir (offline machines).
const nodedir = existsSync('/usr/include/node/node.h') ? ['--nodedir=/usr'] : [];
const npmQuiet = ['--no-audit', '--no-fund', '--loglevel=error'];

function ensureApt(binary, pkg) {
  if (existsSync(binary)) return;
  if (process.getuid?.() !== 0) throw new Error(`${binary} is missing: install it with \`sudo apt-get install ${pkg}\``);
  try {
    run('apt-get', ['install', '-y', '-q', pkg], repo);
  } catch {
    // A fresh machine has no package lists yet.
    run('apt-get', ['update', '-q'], repo);
    run('apt-get', ['install', '-y', '-q', pkg], repo);
  }
}

function link(target, at) {
  if (existsSync(at) || lstatSync(at, { throwIfNoEntry: false })) rmSync(at, { force: true, recursive: false });
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at);
}

/** `browser: false` (npm start) skips Chromium: there the person opens the URL in their own browser. */
export function setup({ browser = true } = {}) {
  if (browser) ensureApt('/usr/bin/chromium', 'chromium');
  ensureApt('/usr/bin/rg', 'ripgrep');
  if (existsSync(marker)) return toolsDir;
  // node-gyp builds code-server's native modules against the local Node headers.
  ensureApt('/usr/bin/g++', 'g++');
  ensureApt('/usr/bin/make', 'make');
  ensureApt('/usr/bin/python3', 'python3');
  const started = Date.now();
  mkdirSync(toolsDir, { recursive: true });
  writeFileSync(path.join(toolsDir, 'package.json'), '{ "private": true }\n');
  // --ignore-scripts: the postinstall scripts of code-server and @vscode/ripgrep download from GitHub.
  run('npm', ['install', '--ignore-scripts', ...npmQuiet, `code-server@${CODE_SERVER_VERSION}`], toolsDir);
  const cs = path.join(toolsDir, 'node_modules', 'code-server');
  const vscode = path.join(cs, 'lib', 'vscode');
  run('npm', ['install', '--omit=dev', '--ignore-scripts', ...npmQuiet], vscode);
  // spdlog: log files; native-watchdog: exthost liveness; node-pty: terminals.
  // node-pty's postinstall runs `npx node-gyp configure`: allow npx to fetch node-gyp from the registry.
  run('npm', ['rebuild', ...nodedir, '@vscode/spdlog', 'native-watchdog', 'node-pty'], vscode, { npm_config_yes: 'true' });
  link('/usr/bin/rg', path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
  link('node_modules', path.join(vscode, 'node_modules.asar'));
  link('code-linux.sh', path.join(vscode, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', path.join(vscode, 'bin', 'helpers', 'browser.sh'));
  run('npm', ['install', '--omit=dev', '--ignore-scripts', ...npmQuiet], path.join(vscode, 'extensions'));
  // npm hoists argon2 to the top-level node_modules: rebuilding it from code-server's folder does nothing.
  run('npm', ['rebuild', ...nodedir, 'argon2'], toolsDir);
  const version = JSON.parse(readFileSync(path.join(cs, 'package.json'), 'utf8')).version;
  if (version !== CODE_SERVER_VERSION) throw new Error(`installed code-server ${version}, expected ${CODE_SERVER_VERSION}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`code-server ${version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${toolsDir}`);
  return toolsDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  setup({ browser: !process.argv.includes('--no-browser') });
