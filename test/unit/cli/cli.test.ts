// The CLI in-process: runCli with captured output, on scratch copies of examples/vulnerable-api.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { ExitCode, runCli } from '../../../src/cli/main';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { SessionStore, storeDirFor, type SessionSummary } from '../../../src/core/store/sessionStore';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const REQUEST = 'Fix security vulnerability in authentication endpoint';
const BUILTIN = ['security-auditor', 'backend-api-developer', 'test-suite-developer', 'docs-writer'];

/** A scratch copy inside the repository, so the example's `npm test` finds tsx in the repository's node_modules. */
function scratchCopyOfExample(): string {
  const dir = path.join(repoRoot, '.scratch', `cli-${randomBytes(4).toString('hex')}`);
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(path.join(repoRoot, 'examples', 'vulnerable-api'), dir, { recursive: true });
  return dir;
}

interface CliResult {
  code: number;
  /** Each io.out call, colours removed. */
  outCalls: string[];
  stdout: string;
  stderr: string;
}

const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

async function cli(...argv: string[]): Promise<CliResult> {
  const outCalls: string[] = [];
  const errCalls: string[] = [];
  const code = await runCli(argv, { out: (text) => outCalls.push(stripAnsi(text)), err: (text) => errCalls.push(stripAnsi(text)) });
  return { code, outCalls, stdout: outCalls.join('\n'), stderr: errCalls.join('\n') };
}

/** The source files of a workspace (its store excluded) with their contents. */
function sourceFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name === '.agent-orchestrator' || entry.name === 'node_modules') continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

interface RunJson {
  sessionId: string;
  success: boolean;
  status: string;
  logFile: string;
  dashboardFile: string;
  reportFile: string;
  plan: { phases: string[][]; taskType: string };
  agents: { name: string; status: string; startedAt: number | null; completedAt: number | null }[];
  findings: { file: string; line: number; column: number; severity: string; ruleId: string; message: string }[];
  handoffs: { from: string; to: string; task: string }[];
  messages: { from: string; to: string; type: string }[];
  changes: { agent: string; file: string; diff: string; applied: boolean }[];
  patterns: { type: string; name: string }[];
}

describe('agent-orchestrator CLI (in-process)', function () {
  this.timeout(120_000);
  const cleanup: string[] = [];
  after(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  describe('run --json --apply --allow-commands, then the inspection commands', () => {
    let workspace: string;
    let run: CliResult;
    let json: RunJson;

    before(async () => {
      workspace = scratchCopyOfExample();
      cleanup.push(workspace);
      run = await cli('run', REQUEST, '--workspace', workspace, '--json', '--apply', '--allow-commands');
      assert.equal(run.code, ExitCode.success, run.stderr);
      assert.equal(run.outCalls.length, 1, `one JSON object on stdout, got ${run.outCalls.length} writes`);
      json = JSON.parse(run.stdout) as RunJson;
    });

    it('prints one JSON object describing a successful run, with the artifacts on disk', () => {
      assert.match(json.sessionId, /^session_/);
      assert.equal(json.success, true);
      assert.equal(json.status, 'completed');
      assert.deepEqual(json.plan.phases, [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']]);
      for (const file of [json.logFile, json.dashboardFile, json.reportFile]) {
        assert.ok(path.isAbsolute(file) && existsSync(file), `${file} exists`);
        assert.ok(file.startsWith(storeDirFor(workspace)), `${file} is in the workspace's store folder`);
      }
      assert.ok(readFileSync(json.logFile, 'utf8').includes(json.sessionId));
    });

    it('reports every agent with its status and times', () => {
      const ran = json.agents.filter((a) => BUILTIN.includes(a.name));
      assert.deepEqual(ran.map((a) => a.name).sort(), [...BUILTIN].sort());
      for (const agent of ran) {
        assert.equal(agent.status, 'completed', agent.name);
        assert.ok(typeof agent.startedAt === 'number' && typeof agent.completedAt === 'number' && agent.startedAt <= agent.completedAt, agent.name);
      }
      assert.deepEqual(json.agents.find((a) => a.name === 'api-reviewer')?.status, 'skipped', 'the example\'s model-only agent is listed as skipped');
    });

    it('reports the findings with file, line, severity, rule and message, including the auth endpoint', () => {
      const auth = json.findings.find((f) => f.file === 'src/routes/auth.ts');
      assert.ok(auth, `a finding in src/routes/auth.ts among ${json.findings.map((f) => f.file).join(', ')}`);
      assert.equal(auth.ruleId, 'agent-orchestrator/missing-tenant-filter');
      assert.equal(auth.severity, 'high');
      assert.ok(Number.isInteger(auth.line) && auth.line > 0);
      assert.match(auth.message, /organizationId/);
      for (const f of json.findings) assert.ok(f.file && f.line > 0 && f.severity && f.ruleId && f.message, JSON.stringify(f));
    });

    it('reports the handoffs, messages, applied changes and learned patterns', () => {
      assert.ok(json.handoffs.some((h) => h.from === 'security-auditor' && h.to === 'backend-api-developer'));
      assert.ok(json.messages.some((m) => m.type === 'validation_request' && m.from === 'backend-api-developer' && m.to === 'security-auditor'));
      assert.ok(json.messages.some((m) => m.type === 'validation_result' && m.from === 'security-auditor' && m.to === 'backend-api-developer'));
      const authChange = json.changes.find((c) => c.file === 'src/routes/auth.ts');
      assert.equal(authChange?.applied, true);
      assert.match(readFileSync(path.join(workspace, 'src', 'routes', 'auth.ts'), 'utf8'), /organizationId: req\.user\.organizationId/, '--apply wrote the fix');
      // One run proves nothing: no agent order or tool sequence is presented as learned after it.
      assert.deepEqual(json.patterns.filter((p) => p.type === 'agent_sequence' || p.type === 'tool_sequence'), []);
    });

    it('sessions --json lists the run as completed', async () => {
      const result = await cli('sessions', '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.success, result.stderr);
      const sessions = JSON.parse(result.stdout) as SessionSummary[];
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]?.sessionId, json.sessionId);
      assert.equal(sessions[0]?.status, 'completed');
      assert.equal(sessions[0]?.success, true);
      assert.equal(sessions[0]?.request, REQUEST);
    });

    it('show <id> --json prints the session\'s events in order, from run.started to run.completed', async () => {
      const result = await cli('show', json.sessionId, '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.success, result.stderr);
      const events = JSON.parse(result.stdout) as OrchestratorEvent[];
      assert.ok(events.length > 10);
      assert.equal(events[0]?.type, 'run.started');
      assert.equal(events.at(-1)?.type, 'run.completed');
      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
      assert.ok(events.every((e) => e.sessionId === json.sessionId));
    });

    it('show <prefix> --markdown prints the seed-format live log', async () => {
      const result = await cli('show', json.sessionId.slice(0, -2), '--workspace', workspace, '--markdown');
      assert.equal(result.code, ExitCode.success, result.stderr);
      assert.ok(result.stdout.startsWith('# Agent Orchestrator Execution Log'), result.stdout.slice(0, 200));
      assert.ok(result.stdout.includes(`Session ID: ${json.sessionId}`));
      assert.ok(result.stdout.includes('AGENT START: security-auditor'));
    });

    it('show latest prints the report', async () => {
      const result = await cli('show', 'latest', '--workspace', workspace);
      assert.equal(result.code, ExitCode.success, result.stderr);
      assert.ok(result.stdout.includes('src/routes/auth.ts'));
    });

    it('learnings <agent> --json prints what was learned from the one run', async () => {
      const result = await cli('learnings', 'security-auditor', '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.success, result.stderr);
      const learned = JSON.parse(result.stdout) as { sampleSize: number; estimatedDuration: { samples: number; estimated: number }; recommendedApproach: unknown; commonPitfalls: unknown[] };
      assert.equal(learned.sampleSize, 1);
      assert.equal(learned.estimatedDuration.samples, 1);
      assert.ok(learned.estimatedDuration.estimated > 0);
      assert.ok(learned.recommendedApproach && Array.isArray(learned.commonPitfalls));
    });

    it('learnings for an unknown agent is a usage error naming it', async () => {
      const result = await cli('learnings', 'security-audtor', '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /Unknown agent "security-audtor"/);
    });

    it('stats --json counts the session, its events and the recorded executions', async () => {
      const result = await cli('stats', '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.success, result.stderr);
      const stats = JSON.parse(result.stdout) as { workspace: string; sessions: number; completed: number; failed: number; events: number; executions: number; agentsWithHistory: string[]; patterns: number };
      assert.equal(stats.workspace, path.resolve(workspace));
      assert.equal(stats.sessions, 1);
      assert.equal(stats.completed, 1);
      assert.equal(stats.failed, 0);
      assert.ok(stats.events > 10);
      assert.equal(stats.executions, BUILTIN.length, 'one recorded execution per agent that ran');
      assert.deepEqual([...stats.agentsWithHistory].sort(), [...BUILTIN].sort());
      assert.ok(stats.patterns >= 1);
    });

    it('refuses a second writer with exit code 3 while another holds the store, and still lets readers in', async () => {
      // The lock names this process, which is alive: exactly what a second CLI sees while a first one runs.
      const holder = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
      try {
        const second = await cli('run', REQUEST, '--workspace', workspace, '--json');
        assert.equal(second.code, ExitCode.unavailable, second.stderr);
        assert.match(second.stderr, new RegExp(`in use by pid ${process.pid}`));
        assert.equal(second.stdout, '');
        const reader = await cli('sessions', '--workspace', workspace, '--json');
        assert.equal(reader.code, ExitCode.success, reader.stderr);
        assert.equal((JSON.parse(reader.stdout) as SessionSummary[]).length, 1, 'the refused run started no session');
      } finally {
        await holder.close();
      }
      assert.ok(!existsSync(path.join(storeDirFor(workspace), 'orchestrator.lock')), 'the lock is gone once its holder closes');
    });

    it('show with an unknown id is a usage error naming the id', async () => {
      const result = await cli('show', 'session_nope', '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /No session "session_nope"/);
      assert.equal(result.stdout, '');
    });

    // Last of this group: it damages the stored session.
    it('show and learnings still work when one stored event and one learning record are damaged, and name them', async () => {
      const dbPath = path.join(storeDirFor(workspace), 'orchestrator.sqlite');
      const SQL = await initSqlJs();
      const db = new SQL.Database(readFileSync(dbPath));
      // One flipped byte each, as the issue found: SQLite's integrity check still passes.
      db.exec(`UPDATE events SET payload = replace(payload, '{"', '{''') WHERE session_id = '${json.sessionId}' AND seq = 3;
               UPDATE executions SET record = replace(record, '"successPatterns"', '''successPatterns"') WHERE agent = 'security-auditor';`);
      writeFileSync(dbPath, db.export());
      db.close();

      const shown = await cli('show', json.sessionId, '--workspace', workspace, '--json');
      assert.equal(shown.code, ExitCode.success, shown.stderr);
      const events = JSON.parse(shown.stdout) as OrchestratorEvent[];
      assert.ok(events.length > 10 && !events.some((e) => e.seq === 3), 'every event but the damaged one');
      assert.match(shown.stderr, new RegExp(`table events, session ${json.sessionId} event 3 `));
      const learnings = await cli('learnings', '--workspace', workspace);
      assert.equal(learnings.code, ExitCode.success, learnings.stderr);
      assert.match(learnings.stderr, /table executions, session .* \(agent security-auditor\)/);
      assert.match(learnings.stdout, /docs-writer: 1 run\(s\)/, 'the other agents\' learnings still show');
    });
  });

  describe('a dry run and the live output', () => {
    let workspace: string;
    before(() => {
      workspace = scratchCopyOfExample();
      cleanup.push(workspace);
    });

    it('without --apply leaves the files unchanged and reports the changes as not applied', async () => {
      const before = sourceFiles(workspace);
      const result = await cli('run', REQUEST, '--workspace', workspace, '--json');
      assert.equal(result.code, ExitCode.success, result.stderr);
      const json = JSON.parse(result.stdout) as RunJson;
      assert.deepEqual(sourceFiles(workspace), before, 'no source file was written');
      assert.ok(json.changes.length > 0, 'the fixes are still reported');
      assert.ok(json.changes.every((c) => c.applied === false), JSON.stringify(json.changes.map((c) => [c.file, c.applied])));
      const auth = json.changes.find((c) => c.file === 'src/routes/auth.ts');
      assert.match(auth?.diff ?? '', /^\+.*organizationId: req\.user\.organizationId/m, 'the change is shown as a diff');
    });

    it('without --json prints the run live as plain lines and ends with the artifact paths', async () => {
      const result = await cli('run', REQUEST, '--workspace', workspace);
      assert.equal(result.code, ExitCode.success, result.stderr);
      const lines = result.stdout.split('\n');
      assert.ok(lines.some((l) => l.startsWith('▶ Request: ' + REQUEST)));
      assert.ok(lines.some((l) => l.includes('dry run')), 'the live output says nothing is written');
      for (const agent of BUILTIN) {
        assert.ok(lines.some((l) => l.includes(`${agent} started:`)), `${agent} start line`);
        assert.ok(lines.some((l) => l.includes(`${agent} completed in`)), `${agent} completion line`);
      }
      assert.ok(lines.some((l) => /^✅ Execution complete in/.test(l)));
      for (const label of ['📄 Log:', '📊 Dashboard:', '📈 Report:']) {
        const line = lines.find((l) => l.startsWith(label));
        assert.ok(line, `${label} line`);
        const file = line.slice(label.length).trim();
        assert.ok(existsSync(file), `${file} exists`);
      }
      assert.doesNotMatch(result.stdout, /^\s*\{/m, 'no JSON in the live output');
    });

    it('a request no agent can serve is not a success: exit code 4, the missing capability named in the terminal, the log and the JSON', async () => {
      const live = await cli('run', 'deploy to Kubernetes', '--workspace', workspace);
      assert.equal(live.code, ExitCode.notServed, live.stderr);
      assert.equal(ExitCode.notServed, 4);
      assert.match(live.stdout, /Not covered: deployment \("deploy Kubernetes"\): no agent in the roster does this/, 'the plan says so before anything runs');
      assert.match(live.stdout, /❌ Execution failed .*Nothing the request asked for can be done/);
      assert.doesNotMatch(live.stdout, /Execution complete/);
      assert.doesNotMatch(live.stdout, / started: /, 'no agent ran');
      const logLine = live.outCalls.find((l) => l.startsWith('📄 Log:'));
      assert.match(readFileSync(logLine!.slice('📄 Log:'.length).trim(), 'utf8'), /Not covered: deployment/);
      const json = JSON.parse((await cli('run', 'deploy to Kubernetes', '--workspace', workspace, '--json')).stdout) as RunJson & { notServed: boolean; notDone: { capability: string }[] };
      assert.equal(json.success, false);
      assert.equal(json.notServed, true);
      assert.deepEqual(json.notDone.map((item) => item.capability), ['deployment']);
    });

    it('run --agents with an unknown agent is a usage error naming it', async () => {
      const result = await cli('run', REQUEST, '--workspace', workspace, '--agents', 'security-auditor,doc-writer');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /doc-writer/);
    });
  });

  describe('bad usage', () => {
    let empty: string;
    before(() => {
      empty = mkdtempSync(path.join(os.tmpdir(), 'ao-cli-'));
      cleanup.push(empty);
    });

    it('an unknown command exits 2 and names it', async () => {
      const result = await cli('frobnicate');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /unknown command 'frobnicate'/);
    });

    it('run without a request exits 2 and says the request is missing', async () => {
      const result = await cli('run', '--workspace', empty);
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /missing required argument 'request'/);
    });

    it('run with an empty request exits 2', async () => {
      const result = await cli('run', '  ', '--workspace', empty);
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /request is empty/);
      assert.ok(!existsSync(storeDirFor(empty)), 'nothing was created in the workspace');
    });

    it('--json with --stream exits 2: the two outputs cannot share stdout', async () => {
      const result = await cli('run', REQUEST, '--workspace', empty, '--json', '--stream');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /Choose one of --json .* and --stream/);
    });

    it('a timeout beyond what a timer can hold exits 2 instead of firing at once', async () => {
      const result = await cli('run', REQUEST, '--workspace', empty, '--timeout', '9999999999');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /--timeout must be at most 2147483647/);
    });

    it('--max-parallel 0 exits 2 and names the option', async () => {
      const result = await cli('run', REQUEST, '--workspace', empty, '--max-parallel', '0');
      assert.equal(result.code, ExitCode.usage);
      assert.match(result.stderr, /--max-parallel must be a positive whole number, got "0"/);
      assert.ok(!existsSync(storeDirFor(empty)), 'nothing was created in the workspace');
    });

    it('a workspace that does not exist exits 2 and names it', async () => {
      const missing = path.join(empty, 'no-such-folder');
      const result = await cli('sessions', '--workspace', missing);
      assert.equal(result.code, ExitCode.usage);
      assert.ok(result.stderr.includes(missing), result.stderr);
    });

    it('mcp on a workspace that does not exist exits 2 and names it, before serving anything', async () => {
      const missing = path.join(empty, 'no-such-folder');
      const result = await cli('mcp', '--workspace', missing);
      assert.equal(result.code, ExitCode.usage);
      assert.ok(result.stderr.includes(`Workspace folder not found: ${missing}`), result.stderr);
    });

    it('mcp --http with a bad port or a short token exits 2 and names the option', async () => {
      const badPort = await cli('mcp', '--workspace', empty, '--http', '70000');
      assert.equal(badPort.code, ExitCode.usage);
      assert.match(badPort.stderr, /--http port must be a whole number from 0 to 65535, got "70000"/);
      const saved = process.env['AGENT_ORCHESTRATOR_MCP_TOKEN'];
      process.env['AGENT_ORCHESTRATOR_MCP_TOKEN'] = 'short';
      try {
        const shortToken = await cli('mcp', '--workspace', empty, '--http');
        assert.equal(shortToken.code, ExitCode.usage);
        assert.match(shortToken.stderr, /AGENT_ORCHESTRATOR_MCP_TOKEN must be at least 16 characters/);
      } finally {
        if (saved === undefined) delete process.env['AGENT_ORCHESTRATOR_MCP_TOKEN'];
        else process.env['AGENT_ORCHESTRATOR_MCP_TOKEN'] = saved;
      }
      assert.ok(!existsSync(storeDirFor(empty)), 'nothing was created in the workspace');
    });

    it('a config.json with a bad value exits 2 and names the key and the expected type', async () => {
      const workspace = mkdtempSync(path.join(os.tmpdir(), 'ao-cli-config-'));
      cleanup.push(workspace);
      mkdirSync(storeDirFor(workspace));
      writeFileSync(path.join(storeDirFor(workspace), 'config.json'), JSON.stringify({ orchestration: { maxParallelAgents: 'five' } }));
      for (const argv of [['run', REQUEST], ['sessions'], ['stats', '--json']]) {
        const result = await cli(...argv, '--workspace', workspace);
        assert.equal(result.code, ExitCode.usage, `${argv[0]}: ${result.stderr}`);
        assert.match(result.stderr, /orchestration\.maxParallelAgents: .*expected number, received string/);
        assert.equal(result.stdout, '');
      }
    });

    it('run --agents with only unknown names prints its error once and records no session', async () => {
      const workspace = mkdtempSync(path.join(os.tmpdir(), 'ao-cli-agents-'));
      cleanup.push(workspace);
      const result = await cli('run', REQUEST, '--workspace', workspace, '--agents', 'nobody');
      assert.equal(result.code, ExitCode.usage);
      assert.equal(result.stderr.match(/Unknown agent\(s\): nobody/g)?.length, 1, result.stderr);
      assert.doesNotMatch(result.stdout, /nobody/, 'not repeated in the live output');
      const sessions = await cli('sessions', '--json', '--workspace', workspace);
      assert.deepEqual(JSON.parse(sessions.stdout), []);
      const logs = path.join(storeDirFor(workspace), 'logs');
      assert.deepEqual(existsSync(logs) ? readdirSync(logs) : [], [], 'no log files');
    });

    it('--help exits 0', async () => {
      const result = await cli('--help');
      assert.equal(result.code, ExitCode.success);
      assert.match(result.stdout, /Usage: agent-orchestrator/);
    });
  });
});
