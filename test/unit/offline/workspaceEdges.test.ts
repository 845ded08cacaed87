// The offline agents on a workspace without JavaScript or TypeScript, and the workspace's path confinement.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import type { AgentRuntime } from '../../../src/core/orchestrator/agentRuntime';
import { PathOutsideWorkspaceError } from '../../../src/core/ports';
import { generatedHandlers } from '../security/generatedSource';
import {
  completion, eventsOfType, findingsBy, messages, removeScratch, runOffline, scratchDir, scratchWorkspace, snapshot, testResults,
} from './offlineHarness';

describe('offline agents at the edges of the workspace', function () {
  this.timeout(60_000);
  afterEach(removeScratch);

  it('on a workspace with no JS/TS files: no findings, nothing for the developer, and the run succeeds', async () => {
    const root = scratchWorkspace([], {
      'README.md': '# Notes\n\nconst password = "hunter2hunter2"; db.query("SELECT " + id)\n',
      'tools/report.py': 'import os\nprint(os.environ.get("HOME"))\n',
      // Configuration files are scanned for secrets: a placeholder is not one.
      'data/config.json': '{ "apiKey": "<your-api-key>" }\n',
    });
    const before = snapshot(root);

    const { result, events } = await runOffline(root, { apply: true });

    assert.equal(result.success, true, result.error);
    assert.deepEqual(result.plan.phases, [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']]);
    assert.deepEqual(findingsBy(events, 'security-auditor'), []);
    assert.equal(completion(events, 'security-auditor').summary, 'Scanned 1 files: no security findings');
    const toDeveloper = eventsOfType(events, 'handoff.initiated').filter((event) => event.payload.package.to === 'backend-api-developer');
    assert.deepEqual(toDeveloper, [], 'nothing is handed to the developer');
    assert.equal(completion(events, 'backend-api-developer').summary, 'No findings to fix');
    assert.deepEqual(eventsOfType(events, 'change.proposed'), []);
    assert.deepEqual(eventsOfType(events, 'validation.requested'), []);
    assert.equal(testResults(events)?.note, 'No test command found');
    assert.deepEqual(snapshot(root), before, 'even with apply, nothing was written');
  });

  describe('NodeWorkspaceFiles path safety', () => {
    let root: string;
    let outside: string;
    beforeEach(() => {
      const parent = scratchDir();
      root = path.join(parent, 'ws');
      mkdirSync(root);
      outside = path.join(parent, 'outside');
      writeFileSync(outside, 'secret outside the workspace\n');
    });

    const escapes = ['../outside', 'src/../../outside', '../ws-sibling/file.js'];

    it('refuses paths that leave the root, for every operation, with PathOutsideWorkspaceError', async () => {
      const files = new NodeWorkspaceFiles(root);
      for (const escape of escapes) {
        assert.throws(() => files.resolve(escape), PathOutsideWorkspaceError, escape);
        // async wrapper: NodeWorkspaceFiles.readFile throws synchronously instead of rejecting (reported separately).
        await assert.rejects(async () => files.readFile(escape), PathOutsideWorkspaceError, escape);
        await assert.rejects(async () => files.writeFile(escape, 'overwritten'), PathOutsideWorkspaceError, escape);
        await assert.rejects(async () => files.exists(escape), PathOutsideWorkspaceError, escape);
      }
      await assert.rejects(async () => files.readFile(outside), PathOutsideWorkspaceError, 'an absolute path outside the root');
      assert.equal(existsSync(path.join(path.dirname(root), 'ws-sibling')), false, 'nothing was created beside the workspace');
    });

    it('keeps paths inside the root working', async () => {
      const files = new NodeWorkspaceFiles(root);
      await files.writeFile('src/../src/app.js', 'ok\n');
      assert.equal(files.resolve('src/app.js'), path.join(root, 'src', 'app.js'));
      assert.equal(await files.readFile('src/app.js'), 'ok\n');
      assert.equal(await files.exists('./src/app.js'), true);
    });

    it('makes an agent\'s proposeChange outside the workspace fail without writing, even with apply', async () => {
      const escaping: AgentRuntime = {
        name: 'backend-api-developer',
        capabilities: ['backend_development'],
        run: async (context) => {
          await context.proposeChange('../outside', 'overwritten by an agent\n', []);
          return { summary: 'wrote outside' };
        },
      };

      const { result, events } = await runOffline(root, { apply: true, agents: ['backend-api-developer'], runtimes: [escaping] });

      assert.equal(result.success, false);
      const failure = eventsOfType(events, 'agent.failed').find((event) => event.payload.agent === 'backend-api-developer');
      assert.match(failure?.payload.error ?? '', /outside the workspace/);
      assert.deepEqual(eventsOfType(events, 'change.proposed'), []);
      assert.equal(readFileSync(outside, 'utf8'), 'secret outside the workspace\n');
    });
  });

  describe('big and odd files in the scan', () => {
    it('stops the security auditor at its timeout inside one big file and records it as timed out', async () => {
      const root = scratchWorkspace([], { 'src/generated.js': generatedHandlers(300_000), 'src/app.js': 'eval(input);\n' });
      const { result, events } = await runOffline(root, { agentTimeout: 1000, agents: ['security-auditor'] });
      assert.equal(result.status, 'failed');
      const ends = events.filter((event) => (event.type === 'agent.completed' || event.type === 'agent.failed') && event.payload.agent === 'security-auditor');
      assert.deepEqual(ends.map((event) => event.type === 'agent.failed' && event.payload.reason), ['timeout']);
      const learned = eventsOfType(events, 'learning.recorded').find((event) => event.payload.record.agent === 'security-auditor');
      assert.equal(learned?.payload.record.outcomes.success, false);
      assert.equal(events.at(-1)?.type, 'run.completed', 'the run ended');
    });

    it('notes, in the run and its summary, a file skipped for its size', async () => {
      const root = scratchWorkspace([], { 'public/bundle.js': `${'var a = 1;\n'.repeat(110_000)}`, 'src/app.js': 'eval(input);\n' });
      const { result, events } = await runOffline(root, { agents: ['security-auditor'] });
      assert.equal(result.success, true, result.error);
      const warnings = messages(events).filter((message) => message.type === 'warning').map((message) => String(message.payload.message));
      assert.ok(warnings.some((warning) => /^Not scanned: 1 \(public\/bundle\.js\): over the scan limit of 1\.0 MB.*AGENT_ORCHESTRATOR_MAX_SCAN_FILE_BYTES/.test(warning)), warnings.join('\n'));
      assert.match(completion(events, 'security-auditor').summary, /Scanned 1 files \(not scanned: 1 too large \(public\/bundle\.js\)\)/);
    });
  });
});
