// The auditor approves a change only on evidence: the changed files parse, type-check (where the workspace has a
// tsconfig.json), the re-scan finds nothing new, and the workspace's tests pass when commands are allowed. The
// verdict lists each item (passed, failed, not run) and the log and report show them.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentRuntime } from '../../../src/core/orchestrator/agentRuntime';
import type { CommandRunner } from '../../../src/core/ports';
import { AgentCapabilities, type MessagePayloads } from '../../../src/core/protocol/messages';
import { RecordingCommandRunner, removeScratch, runOffline, scratchWorkspace } from './offlineHarness';

const CALC = 'export function calc(expr: string): number {\n  return eval(expr);\n}\n';
const TYPESCRIPT_APP = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'commonjs', noEmit: true, types: [] }, include: ['src'] }),
  'src/calc.ts': CALC,
  'package.json': JSON.stringify({ name: 'calc', scripts: { test: 'node --test' } }),
};

/** An implementer that replaces `eval(expr)` with `replacement`, claims the eval finding fixed and asks for validation. */
function developerReplacingEval(replacement: string, verdicts: MessagePayloads['validation_result'][]): AgentRuntime {
  return {
    name: 'backend-api-developer',
    capabilities: [AgentCapabilities.BACKEND_DEVELOPMENT],
    async run(context) {
      const finding = context.handoffs.flatMap((handoff) => handoff.findings).find((f) => f.ruleId === 'security/detect-eval-with-expression');
      assert.ok(finding, 'the auditor handed over the eval finding');
      const source = await context.workspace.readFile(finding.file);
      await context.proposeChange(finding.file, source.replace('eval(expr)', replacement), [finding.id]);
      const verdict = await context.requestValidation('security-auditor', {
        changesImplemented: [`Replaced eval at ${finding.file}:${finding.line}`],
        filesModified: [finding.file],
        requestingReview: true,
        findingIds: [finding.id],
      });
      verdicts.push(verdict);
      return { summary: verdict.approved ? 'approved' : 'rejected' };
    },
  };
}

async function validate(replacement: string, options: { apply?: boolean; allowCommands?: boolean; commandRunner?: CommandRunner | null } = {}): Promise<{ verdict: MessagePayloads['validation_result']; logDir: string }> {
  const root = scratchWorkspace([], TYPESCRIPT_APP);
  const verdicts: MessagePayloads['validation_result'][] = [];
  const { result, logDir, events } = await runOffline(root, {
    apply: options.apply ?? false,
    allowCommands: options.allowCommands ?? false,
    commandRunner: options.commandRunner ?? null,
    agents: ['security-auditor', 'backend-api-developer'],
    runtimes: [developerReplacingEval(replacement, verdicts)],
  });
  const [verdict] = verdicts;
  const failures = events.flatMap((e) => (e.type === 'agent.failed' ? [`${e.payload.agent}: ${e.payload.reason} ${e.payload.error}`] : []));
  assert.ok(verdict, `the auditor answered${result.error ? ` (${result.error}; ${failures.join('; ')})` : ''}`);
  return { verdict, logDir };
}

function checksOf(verdict: MessagePayloads['validation_result']): string[] {
  return (verdict.evidence?.checks ?? []).map((check) => `${check.name} ${check.status}`);
}

function artifact(logDir: string, suffix: string): string {
  const name = readdirSync(logDir).find((file) => file.endsWith(suffix));
  assert.ok(name, `no ${suffix} in ${logDir}`);
  return readFileSync(path.join(logDir, name), 'utf8');
}

describe('validation on evidence (offline security auditor)', function () {
  this.timeout(120_000);
  afterEach(removeScratch);

  it('rejects a fix that removes the finding but breaks the types, and says which type error', async () => {
    // parseFloat takes one argument: the finding is gone and the file parses, but the project no longer compiles.
    const { verdict, logDir } = await validate('parseFloat(expr, 10)');
    assert.equal(verdict.approved, false);
    assert.deepEqual(checksOf(verdict), ['parse passed', 'types failed', 'rescan passed', 'tests not run']);
    const types = verdict.evidence?.checks?.find((check) => check.name === 'types');
    assert.match(types?.detail ?? '', /src\/calc\.ts:2 TS2554: Expected 1 arguments, but got 2/);
    assert.ok(verdict.reasons.some((reason) => /^New type error: src\/calc\.ts:2 TS2554/.test(reason)), verdict.reasons.join('\n'));
    assert.deepEqual(verdict.evidence?.typeErrors?.length, 1);
    // The report and the log show the verdict with its evidence.
    assert.match(artifact(logDir, '.report.md'), /REJECTED ❌.*\n(.*\n)*\s+- ❌ types failed: 1 new type error/);
    assert.match(artifact(logDir, '.log.md'), /Status: REJECTED ❌ .*evidence: parse passed .*types failed/);
  });

  it('approves a good fix and lists the evidence item by item; without command consent the tests are said not to have run', async () => {
    const { verdict, logDir } = await validate('Number(expr)');
    assert.equal(verdict.approved, true, verdict.reasons.join('\n'));
    assert.deepEqual(checksOf(verdict), ['parse passed', 'types passed', 'rescan passed', 'tests not run']);
    const byName = new Map((verdict.evidence?.checks ?? []).map((check) => [check.name, check.detail]));
    assert.match(byName.get('types') ?? '', /1 changed file\(s\) type-check with tsconfig\.json; no new errors/);
    assert.match(byName.get('rescan') ?? '', /1 claimed finding\(s\) gone; no new finding/);
    assert.equal(byName.get('tests'), 'tests not run: commands not allowed');
    assert.equal(verdict.evidence?.tests, null);
    assert.equal(verdict.evidence?.testsNotRun, 'commands not allowed');
    assert.match(artifact(logDir, '.report.md'), /APPROVED ✅(.*\n)*\s+- ⏭️ tests not run: tests not run: commands not allowed/);
  });

  it('with consent and an applied change runs the tests: passing tests approve, failing tests reject', async () => {
    const passing = new RecordingCommandRunner({ exitCode: 0, stdout: 'ok', stderr: '', timedOut: false, durationMs: 5 });
    const approved = await validate('Number(expr)', { apply: true, allowCommands: true, commandRunner: passing });
    assert.equal(approved.verdict.approved, true, approved.verdict.reasons.join('\n'));
    assert.deepEqual(checksOf(approved.verdict), ['parse passed', 'types passed', 'rescan passed', 'tests passed']);
    assert.equal(approved.verdict.evidence?.tests?.command, 'npm test');
    assert.ok(passing.calls.some((call) => call.command === 'npm'));

    const failing = new RecordingCommandRunner({ exitCode: 1, stdout: '', stderr: 'not ok 1 - calc', timedOut: false, durationMs: 5 });
    const rejected = await validate('Number(expr)', { apply: true, allowCommands: true, commandRunner: failing });
    assert.equal(rejected.verdict.approved, false);
    assert.deepEqual(checksOf(rejected.verdict), ['parse passed', 'types passed', 'rescan passed', 'tests failed']);
    assert.ok(rejected.verdict.reasons.some((reason) => /tests fail with the change/.test(reason)));
  });

  it('in a dry run with consent says the tests were not run because the files on disk do not hold the change', async () => {
    const runner = new RecordingCommandRunner();
    const { verdict } = await validate('Number(expr)', { apply: false, allowCommands: true, commandRunner: runner });
    assert.equal(verdict.approved, true);
    assert.match(verdict.evidence?.checks?.find((check) => check.name === 'tests')?.detail ?? '', /dry run/);
    assert.deepEqual(runner.calls, []);
  });
});
