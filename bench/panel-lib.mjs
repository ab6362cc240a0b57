// Shared parts of the job panel benches: the host session bundled on the fly, a fake job with a
// log of any size, a writer process at a fixed rate, and the real webview bundle (dist/webview.js)
// in Chromium wired to the host session through a stub acquireVsCodeApi.
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as path from 'node:path';
import { importBundled } from './lib.mjs';

/** Imports src/extension/panel/session.ts (no vscode) as an ES module. */
export async function loadSession(tmpDir) {
  return importBundled('src/extension/panel/session.ts', path.join(tmpDir, 'session.mjs'));
}

export const JOB_ID = 'b'.repeat(32);

/** A running job record (its pid is this process, so it reads as alive) with an empty or sparse log. */
export function makeJob(root, { logBytes = 0, status = 'running' } = {}) {
  const dir = path.join(root, JOB_ID);
  mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({
      job: { id: JOB_ID },
      schema_version: '0.1',
      command: ['sh', '-c', 'yes "colour \\033[32mgreen\\033[0m text"'],
      created_at: now,
      root,
      env_keys: [],
      cwd: root,
      tags: ['bench'],
      owner: 'human:bench',
    }),
  );
  writeFileSync(
    path.join(dir, 'state.json'),
    JSON.stringify({
      job: { id: JOB_ID, status, started_at: now },
      result: { exit_code: null, signal: null, duration_ms: null },
      pid: process.pid,
      updated_at: now,
    }),
  );
  for (const f of ['stdout.log', 'stderr.log', 'full.log']) writeFileSync(path.join(dir, f), '');
  const log = path.join(dir, 'full.log');
  if (logBytes > 0) {
    // Sparse up to the last MiB (NUL bytes, no disk), then 1 MiB of real coloured lines.
    const tail = Buffer.from(
      Array.from({ length: 13_000 }, (_, i) => `${i} \x1b[32mINFO\x1b[0m request handled in ${i % 97} ms path=/api/v1/items\n`)
        .join('')
        .slice(0, 2 ** 20),
    );
    const fd = openSync(log, 'r+');
    ftruncateSync(fd, logBytes - tail.length);
    closeSync(fd);
    writeFileSync(log, tail, { flag: 'a' });
  }
  return { dir, log };
}

/** A backend over the store, counting what the session does. */
export function storeBackend(session, root) {
  return {
    root,
    listJobs: () => session.readStoreJobs(root),
    onDidChangeJobs: () => ({ dispose() {} }),
    kill: async () => 'not in the bench',
    rerun: async () => 'not in the bench',
    sendInput: async () => 'not in the bench',
    remove: async () => 'not in the bench',
    openFile() {},
    copyText() {},
    openInEditor() {},
    log: (m) => console.error(m),
  };
}

/** Appends coloured lines to `file` at `bytesPerSec` from a separate process; returns it (kill by pid). */
export function startWriter(file, bytesPerSec, tickMs = 20) {
  const src = `
    const fs = require('node:fs');
    const fd = fs.openSync(${JSON.stringify(file)}, 'a');
    const line = 'line \\x1b[32mok\\x1b[0m ' + 'x'.repeat(60) + '\\n';
    const per = Math.ceil(${bytesPerSec} * ${tickMs} / 1000 / Buffer.byteLength(line));
    const block = Buffer.from(line.repeat(per));
    setInterval(() => fs.writeSync(fd, block), ${tickMs});
  `;
  return spawn(process.execPath, ['-e', src], { stdio: 'ignore' });
}

/**
 * Serves a harness page that loads the real webview bundle with VS Code-like theme variables.
 * Host messages reach the page over Server-Sent Events and are re-posted as window messages (what
 * VS Code does with postMessage), so the transport costs about what it costs in VS Code.
 */
export function serveHarness(theme = 'dark') {
  const clients = new Set();
  const vars =
    theme === 'dark'
      ? '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;--vscode-panel-background:#181818;--vscode-panel-border:#2b2b2b;--vscode-descriptionForeground:#9d9d9d;--vscode-list-activeSelectionBackground:#04395e;--vscode-list-activeSelectionForeground:#ffffff;--vscode-list-hoverBackground:#2a2d2e;--vscode-focusBorder:#0078d4;--vscode-terminal-ansiGreen:#0dbc79;--vscode-terminal-ansiRed:#cd3131;--vscode-charts-blue:#3794ff;--vscode-charts-green:#89d185;--vscode-charts-red:#f14c4c;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;'
      : '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-panel-background:#f8f8f8;--vscode-panel-border:#e5e5e5;--vscode-descriptionForeground:#717171;--vscode-list-activeSelectionBackground:#e8e8e8;--vscode-list-activeSelectionForeground:#000000;--vscode-list-hoverBackground:#f2f2f2;--vscode-focusBorder:#005fb8;--vscode-terminal-ansiGreen:#00bc00;--vscode-terminal-ansiRed:#cd3131;--vscode-charts-blue:#1a85ff;--vscode-charts-green:#388a34;--vscode-charts-red:#e51400;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;';
  const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/webview.css"><style>html{${vars}}</style></head>
<body><div id="app"></div><script>
  const saved = { state: undefined };
  // Messages to the host wait until the event stream is open, so no answer is lost.
  const events = new EventSource('/events');
  let open = false;
  const queued = [];
  events.onopen = () => { open = true; for (const m of queued.splice(0)) window.__toHost(m); };
  events.onmessage = (e) => window.postMessage(JSON.parse(e.data), '*');
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => (open ? window.__toHost(m) : queued.push(m)),
    getState: () => saved.state,
    setState: (s) => { saved.state = s; },
  });
</script><script src="/webview.js"></script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/') return res.end(page);
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const name = req.url === '/webview.js' ? 'webview.js' : req.url === '/webview.css' ? 'webview.css' : undefined;
    if (!name) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/css' });
    res.end(readFileSync(path.join('dist', name)));
  });
  const send = (msg) => {
    const frame = `data: ${JSON.stringify(msg)}\n\n`;
    for (const c of clients) c.write(frame);
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, send, url: `http://127.0.0.1:${server.address().port}/` })),
  );
}

/** Chromium with the webview page; messages flow both ways between the page and `session`. */
export async function openWebview(makeSession, theme = 'dark') {
  const { chromium } = await import('playwright-core');
  const { server, send, url } = await serveHarness(theme);
  const marker = `panel-bench-${process.pid}-${Date.now()}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    env: { ...process.env, PANEL_BENCH_MARK: marker },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--enable-precise-memory-info'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
  const session = makeSession(send);
  await page.exposeBinding('__toHost', (_src, msg) => void session.receive(msg));
  return {
    /** CPU time (ms, user + system, all threads) of this browser's renderer processes so far. */
    rendererCpuMs: () => rendererCpuMs(marker),
    /** Loads the panel page; the webview posts `ready` at once. */
    load: () => page.goto(url),
    page,
    session,
    url,
    close: async () => {
      session.dispose();
      await browser.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Sums utime+stime of the renderer processes under the Chromium started with PANEL_BENCH_MARK=marker (Linux /proc). */
export function rendererCpuMs(marker) {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const procs = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      procs.set(pid, {
        ppid: fields[1],
        cpu: (Number(fields[11]) + Number(fields[12])) * tick,
        cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8'),
      });
    } catch {
      // The process went away.
    }
  }
  const roots = [...procs.keys()].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`PANEL_BENCH_MARK=${marker}`);
    } catch {
      return false;
    }
  });
  const under = (pid) => {
    for (let p = pid, i = 0; p && p !== '0' && i < 20; p = procs.get(p)?.ppid, i++) if (roots.includes(p)) return true;
    return false;
  };
  let total = 0;
  for (const [pid, p] of procs) if (p.cmd.includes('--type=renderer') && under(pid)) total += p.cpu;
  return total;
}
