// Problems found while loading a workspace's agents reach every view of the run, not only stderr.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWorkspaceEngine } from '../../../src/agents/workspaceEngine';

describe('Agent files that could not be loaded', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ao-setup-warnings-'));
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'src', 'index.js'), 'module.exports = function add(a, b) { return a + b; };\n');
    mkdirSync(path.join(root, '.claude', 'agents'), { recursive: true });
    writeFileSync(path.join(root, '.claude', 'agents', 'broken.md'), '---\nname: broken-agent\ndescription: x\ntools: Read: Edit\n---\nbody\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('are shown in the log, the report, the Markdown report and the dashboard of every run', async () => {
    const stderr: string[] = [];
    const engine = await openWorkspaceEngine({ workspaceRoot: root, mode: 'write', env: {}, onWarning: (message) => stderr.push(message) });
    try {
      const result = await engine.orchestrator.executeRequest('Fix security vulnerability in authentication endpoint', { agents: ['security-auditor'] });
      const problem = /broken\.md: invalid YAML front matter at line 4/;
      assert.ok(stderr.some((line) => problem.test(line)), stderr.join('\n'));
      const started = engine.store.getEvents(result.sessionId).find((event) => event.type === 'run.started');
      assert.ok(started?.type === 'run.started' && (started.payload.warnings ?? []).some((warning) => problem.test(warning)), JSON.stringify(started?.payload));
      assert.ok(result.recommendations.some((r) => problem.test(r.message)), JSON.stringify(result.recommendations));
      const base = path.join(engine.logDir, result.sessionId);
      for (const file of [result.logFile, result.dashboardFile, result.reportFile, `${base}.report.md`]) {
        assert.match(readFileSync(file, 'utf8'), problem, `${path.basename(file)} names the broken agent file`);
      }
    } finally {
      await engine.close();
    }
  });
});
