/**
 * Issue 6: a kill through the agent tools can never take down the caller. An agent (or the
 * extension host it lives in) that runs inside the job it kills — e.g. an editor started from
 * a job — is an ancestor of the killer; killJob spares it and reports it as a survivor
 * instead of recording the job as over. This file is also the inner agent: run with
 * LM_KILL_INNER=<file>, it kills its own job through the kill tool and writes the result there.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { findEnvTagged } from '../../src/core/process/proc';
import { AGENT_TOOLS, type ToolContext } from '../../src/agent/tools';
import { COPILOT_OWNER } from '../../src/extension/lm/toolCatalog';
import { poll } from '../helpers/poll';
import { tempDir } from '../helpers/tempRoot';
import { NEEDS_LINUX } from '../helpers/platform';

const tool = (name: string) => AGENT_TOOLS.find((t) => t.name === name)!;

const context = (root: string): ToolContext => ({
  root,
  owner: COPILOT_OWNER,
  launch: { cwd: process.cwd(), env: process.env, runtime: { execPath: process.execPath, script: path.resolve('dist/supervisor.js') } },
});

const inner = process.env.LM_KILL_INNER;
if (inner) {
  // The agent inside the job: kill our own job, report, then stay alive until the real kill.
  void tool('kill')
    .invoke({ job_id: process.env.AGENT_EXEC_JOB_ID, grace_seconds: 0.2 }, context(process.env.LM_KILL_ROOT!))
    .then(
      (r) => writeFileSync(inner, JSON.stringify(r.envelope)),
      (err: unknown) => writeFileSync(inner, JSON.stringify({ error: String(err) })),
    );
  setInterval(() => undefined, 1000);
} else {
  test(
    'agentExec_kill run by an agent inside the job spares the agent and its ancestors; a kill from outside ends the job',
    { skip: NEEDS_LINUX },
    async (t) => {
      const { dir, cleanup } = tempDir('ae-lm-guard-');
      t.after(cleanup);
      const root = path.join(dir, 'jobs');
      const out = path.join(dir, 'inner.json');
      const ctx = context(root);
      const run = await tool('run').invoke(
        { command: [process.execPath, process.argv[1]], env: { LM_KILL_INNER: out, LM_KILL_ROOT: root }, wait_seconds: 0 },
        ctx,
      );
      const jobId = (run.envelope as { job_id: string }).job_id;
      let ended = false;
      t.after(async () => {
        if (!ended)
          await tool('kill')
            .invoke({ job_id: jobId, signal: 'KILL', grace_seconds: 0 }, ctx)
            .catch(() => undefined);
      });
      await poll('the inner agent to report', () => existsSync(out), 15_000);
      const innerResult = JSON.parse(readFileSync(out, 'utf8')) as { state: string; survivors: number[]; signalled: number[] };
      const status = (await tool('status').invoke({ job_id: jobId }, ctx)).envelope as { state: string; pid?: number };
      assert.equal(innerResult.state, 'running', JSON.stringify(innerResult));
      assert.equal(status.state, 'running', 'the job is not recorded as over');
      const meta = JSON.parse(readFileSync(path.join(root, jobId, 'meta.json'), 'utf8'));
      assert.equal(meta.owner, COPILOT_OWNER);
      const state = JSON.parse(readFileSync(path.join(root, jobId, 'state.json'), 'utf8')) as { pid: number };
      assert.deepEqual(innerResult.survivors, [state.pid], 'the agent (the workload itself) survived');
      assert.ok(!innerResult.signalled.includes(state.pid));

      const outer = (await tool('kill').invoke({ job_id: jobId, grace_seconds: 1 }, ctx)).envelope as {
        state: string;
        survivors: number[];
      };
      ended = true;
      assert.equal(outer.state, 'killed');
      assert.deepEqual(outer.survivors, []);
      await poll('no process of the job left', () => findEnvTagged(jobId).length === 0, 10_000);
    },
  );
}
