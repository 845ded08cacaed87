// Nothing outside the workspace is ever written, read or echoed: each engine writer against a workspace that
// plants symbolic links (a cloned repository can) pointing at a file or folder outside it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import mutableFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocsWriterAgent } from '../../../src/agents/offline/docsWriter';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import { openWorkspaceEngine } from '../../../src/agents/workspaceEngine';
import { writeStandaloneDashboard } from '../../../src/cli/standaloneDashboard';
import { ConfigError, loadConfig } from '../../../src/core/config/loadConfig';
import { FileAccessError, UnsafePathError } from '../../../src/core/files/safeFiles';
import { RuntimeLogger } from '../../../src/core/logging/runtimeLogger';
import type { AgentContext } from '../../../src/core/orchestrator/agentRuntime';
import { createRunState } from '../../../src/core/logging/runState';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { EventFactory } from '../store/storeTestHelpers';
import { SESSION, createStream, runExample1 } from '../logging/example1';

const VICTIM_TEXT = 'outside file: must stay exactly as it is\n';

describe('Workspace boundary: planted links never lead a write, read or message outside the workspace', () => {
  let scratch: string;
  let workspace: string;
  let outsideDir: string;
  let victim: string;
  const stores: SessionStore[] = [];

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-boundary-'));
    workspace = path.join(scratch, 'workspace');
    outsideDir = path.join(scratch, 'outside');
    fs.mkdirSync(workspace);
    fs.mkdirSync(outsideDir);
    victim = path.join(outsideDir, 'victim.txt');
    fs.writeFileSync(victim, VICTIM_TEXT);
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const storeDir = (): string => path.join(workspace, '.agent-orchestrator');
  const openStore = async (): Promise<SessionStore> => {
    const store = await SessionStore.open({ dir: storeDir(), root: workspace, mode: 'write', snapshotDebounceMs: 600_000 });
    stores.push(store);
    return store;
  };
  const assertVictimUntouched = (): void => {
    assert.equal(fs.readFileSync(victim, 'utf8'), VICTIM_TEXT);
    assert.deepEqual(fs.readdirSync(outsideDir), ['victim.txt']);
  };

  it('refuses a journal that is a link to an outside file, leaving that file as it was', async () => {
    fs.mkdirSync(storeDir());
    fs.symlinkSync(victim, path.join(storeDir(), 'orchestrator.journal'));
    await assert.rejects(openStore(), (error: Error) => error instanceof UnsafePathError && error.message.includes('orchestrator.journal'));
    assertVictimUntouched();
  });

  it('refuses a store folder that is a link to an outside folder, creating nothing there', async () => {
    fs.symlinkSync(outsideDir, storeDir());
    await assert.rejects(openStore(), (error: Error) => error instanceof UnsafePathError && error.message.includes('.agent-orchestrator'));
    await assert.rejects(
      SessionStore.open({ dir: storeDir(), root: workspace, mode: 'read' }),
      (error: Error) => error instanceof UnsafePathError,
    );
    assertVictimUntouched();
  });

  it('never writes a snapshot through a link planted under the temp name the old code used', async () => {
    const store = await openStore();
    const factory = new EventFactory();
    store.append(factory.runStarted('s1'));
    fs.symlinkSync(victim, path.join(storeDir(), `orchestrator.sqlite.tmp-${process.pid}`));
    store.snapshotNow();
    assertVictimUntouched();
    assert.ok(fs.lstatSync(path.join(storeDir(), 'orchestrator.sqlite')).isFile());
  });

  it('refuses a logs folder that is a link out of the workspace, before any run', async () => {
    fs.mkdirSync(storeDir());
    fs.symlinkSync(outsideDir, path.join(storeDir(), 'logs'));
    await assert.rejects(
      openWorkspaceEngine({ workspaceRoot: workspace, mode: 'write', env: {} }),
      (error: Error) => error instanceof UnsafePathError && error.message.includes(path.join('.agent-orchestrator', 'logs')),
    );
    assertVictimUntouched();
    // The failed open released the store: a second attempt is refused for the same reason, not for a held lock.
    await assert.rejects(openWorkspaceEngine({ workspaceRoot: workspace, mode: 'write', env: {} }), UnsafePathError);
  });

  it('refuses a configured logDir that leaves the workspace through a link, although its text stays inside', () => {
    fs.symlinkSync(outsideDir, path.join(workspace, 'innocent'));
    fs.mkdirSync(storeDir());
    fs.writeFileSync(path.join(storeDir(), 'config.json'), JSON.stringify({ orchestration: { logDir: 'innocent/logs' } }));
    assert.throws(() => loadConfig({ workspaceRoot: workspace, env: {} }), (error: Error) => error instanceof ConfigError && /symbolic link/.test(error.message));
  });

  it('never writes the live log, dashboard or reports through planted links', () => {
    const logDir = path.join(workspace, 'logs');
    fs.mkdirSync(logDir);
    fs.symlinkSync(victim, path.join(logDir, `${SESSION}.log.md`));
    const { stream } = createStream();
    assert.throws(() => new RuntimeLogger(stream, { logDir, workspaceRoot: workspace }), UnsafePathError);
    fs.unlinkSync(path.join(logDir, `${SESSION}.log.md`));

    // Reports go through a temp file: one planted under the name the old code would pick must not be used.
    const reportFile = path.join(logDir, `${SESSION}.report.json`);
    fs.symlinkSync(victim, `${reportFile}.${process.pid}.tmp`);
    const second = createStream();
    const logger = new RuntimeLogger(second.stream, { logDir, workspaceRoot: workspace, dashboardDebounceMs: 60_000, clock: second.clock });
    runExample1(second.stream, second.clock);
    logger.dispose();
    assertVictimUntouched();
    assert.equal(JSON.parse(fs.readFileSync(reportFile, 'utf8')).sessionId, SESSION);
  });

  it('keeps an --apply write inside the file even with links planted under predictable temp names', async () => {
    const files = new NodeWorkspaceFiles(workspace);
    const source = path.join(workspace, 'app.js');
    fs.writeFileSync(source, 'old();\n');
    fs.symlinkSync(victim, `${source}.agent-orchestrator-${process.pid}.tmp`);
    await files.writeFile('app.js', 'fixed();\n');
    assertVictimUntouched();
    assert.ok(fs.lstatSync(source).isFile(), 'the source file must stay a regular file');
    assert.equal(fs.readFileSync(source, 'utf8'), 'fixed();\n');
  });

  it('refuses an --apply write to a source file that is itself a link, inside the workspace or not', async () => {
    const files = new NodeWorkspaceFiles(workspace);
    fs.writeFileSync(path.join(workspace, 'real.js'), 'real();\n');
    fs.symlinkSync(path.join(workspace, 'real.js'), path.join(workspace, 'alias.js'));
    await assert.rejects(files.writeFile('alias.js', 'changed();\n'), UnsafePathError);
    assert.equal(fs.readFileSync(path.join(workspace, 'real.js'), 'utf8'), 'real();\n');
  });

  it('refuses a config file that is a link, without quoting what it points to', () => {
    fs.writeFileSync(victim, 'SECRET-TOKEN=hunter2 not json');
    fs.mkdirSync(storeDir());
    fs.symlinkSync(victim, path.join(storeDir(), 'config.json'));
    assert.throws(
      () => loadConfig({ workspaceRoot: workspace, env: {} }),
      (error: Error) => error instanceof ConfigError && /symbolic link/.test(error.message) && !error.message.includes('SECRET'),
    );
  });

  it('names where a config file stops being JSON, never quoting its text', () => {
    fs.mkdirSync(storeDir());
    fs.writeFileSync(path.join(storeDir(), 'config.json'), '{\n  "orchestration": {}\n}\nSECRET-TOKEN=hunter2\u001b[31m');
    assert.throws(
      () => loadConfig({ workspaceRoot: workspace, env: {} }),
      (error: Error) => error instanceof ConfigError && /not valid JSON \(at line 4, column 1\)/.test(error.message) && !error.message.includes('SECRET') && !error.message.includes('\u001b'),
    );
  });

  it('never writes the change summary through a link planted in the log folder', async () => {
    const logDir = path.join(workspace, 'logs');
    fs.mkdirSync(logDir);
    fs.symlinkSync(victim, path.join(logDir, `${SESSION}.summary.md`));
    const context = {
      sessionId: SESSION,
      artifactDir: logDir,
      workspace: new NodeWorkspaceFiles(workspace),
      runState: () => createRunState(SESSION),
      useTool: async (_tool: string, _params: unknown, fn: () => Promise<unknown>) => fn(),
    } as unknown as AgentContext;
    await assert.rejects(new DocsWriterAgent().run(context), UnsafePathError);
    assertVictimUntouched();
  });

  it('never writes a standalone dashboard through a link planted at its default path', () => {
    const logDir = path.join(workspace, '.agent-orchestrator', 'logs');
    fs.mkdirSync(logDir, { recursive: true });
    const file = path.join(logDir, `${SESSION}.dashboard.html`);
    fs.symlinkSync(victim, file);
    assert.throws(() => writeStandaloneDashboard(file, '<html></html>', workspace), UnsafePathError);
    assertVictimUntouched();
  });

  it('says a workspace that is a file is a file, not that it is missing', async () => {
    const file = path.join(scratch, 'not-a-folder');
    fs.writeFileSync(file, '');
    await assert.rejects(openWorkspaceEngine({ workspaceRoot: file, mode: 'write', env: {} }), /is a file, not a folder/);
  });

  describe('errors the user can fix name the path and what to do', () => {
    // The module object itself (not a namespace copy), so the engine's own fs calls see the stand-ins.
    const realOpen = mutableFs.openSync;
    const realWrite = mutableFs.writeSync;
    afterEach(() => {
      mutableFs.openSync = realOpen;
      mutableFs.writeSync = realWrite;
    });

    it('a store the user cannot write', async () => {
      // Tests run as root here, which chmod cannot stop: fail the first file creation in the store as EACCES would.
      (mutableFs as { openSync: unknown }).openSync = (file: fs.PathLike, ...rest: unknown[]) => {
        if (String(file).startsWith(storeDir())) throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES' });
        return (realOpen as (...args: unknown[]) => number)(file, ...rest);
      };
      await assert.rejects(openStore(), (error: Error) => {
        assert.ok(error instanceof FileAccessError, error.message);
        assert.match(error.message, /Cannot open the session store in .*\.agent-orchestrator \(EACCES\)\. Permission denied: make it writable/);
        return true;
      });
    });

    it('a full disk while appending to the journal', async () => {
      const store = await openStore();
      const journal = path.join(storeDir(), 'orchestrator.journal');
      (mutableFs as { writeSync: unknown }).writeSync = () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      };
      assert.throws(
        () => store.append(new EventFactory().runStarted('s1')),
        (error: Error) => error.message.includes(journal) && /disk is full: free some space/.test(error.message),
      );
    });
  });
});
