// backend-api-developer with the real auditor, scanner and orchestrator on a scratch copy of a small tenant API.
import { strict as assert } from 'node:assert';
import {
  auditorWithVerdict, changedLines, completion, eventsOfType, findingsBy, lineOf, messages, readText, rejectingAuditor, removeScratch, runOffline, scratchWorkspace, snapshot,
} from './offlineHarness';

const HANDLERS = 'src/handlers.js';
const TENANT_FILTER = 'organizationId: req.user.organizationId';
const FIX_AGENTS = ['security-auditor', 'backend-api-developer'];

const REJECTION = 'Rejected by the reviewer: the filter uses the wrong field';

describe('backend-api-developer (offline, through the orchestrator)', function () {
  this.timeout(60_000);
  afterEach(removeScratch);

  it('in a dry run proposes diffs, leaves every file byte-identical, and has them validated against the proposed text', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const before = snapshot(root);
    const original = readText(root, HANDLERS);

    const { result, events } = await runOffline(root, { apply: false, agents: FIX_AGENTS });

    assert.equal(result.success, true, result.error);
    assert.deepEqual(snapshot(root), before, 'a dry run writes nothing to the workspace');

    const changes = eventsOfType(events, 'change.proposed').map((event) => event.payload);
    assert.deepEqual(changes.map((change) => [change.agent, change.file, change.applied]), [['backend-api-developer', HANDLERS, false]]);
    const added = changes[0].diff.split('\n').filter((line) => line.startsWith('+') && !line.startsWith('+++'));
    const removed = changes[0].diff.split('\n').filter((line) => line.startsWith('-') && !line.startsWith('---'));
    assert.equal(added.length, 2, changes[0].diff);
    assert.ok(added.every((line) => line.includes(TENANT_FILTER)), changes[0].diff);
    assert.deepEqual(removed.map((line) => line.slice(1)), original.split('\n').filter((line) => line.includes('{ where: {')));

    // The files on disk still lack the filter, so an approval proves the auditor re-scanned the proposed text.
    const verdicts = messages(events).flatMap((message) => (message.type === 'validation_result' ? [message.payload] : []));
    assert.equal(verdicts.length, 1);
    assert.equal(verdicts[0].approved, true, verdicts[0].reasons.join('; '));
    assert.deepEqual(verdicts[0].remainingFindings.map((finding) => finding.ruleId), ['agent-orchestrator/sql-injection']);

    const done = completion(events, 'backend-api-developer');
    assert.match(done.summary, /^2 of 4 finding\(s\) fixed mechanically \(proposed, validation approved\); 2 need a model$/);
    assert.ok(done.recommendations.includes('Re-run with --apply to write the fixes to disk'), done.recommendations.join('\n'));
    const needsModel = done.recommendations.find((line) => line.startsWith('2 finding(s) need a language model or a person'));
    assert.ok(needsModel, done.recommendations.join('\n'));
    const secretLine = lineOf(readText(root, 'src/config.js'), "JWT_SECRET = '");
    assert.ok(needsModel.includes(`agent-orchestrator/sql-injection at ${HANDLERS}:${lineOf(original, 'db.query(')}`), needsModel);
    assert.ok(needsModel.includes(`agent-orchestrator/hardcoded-secret at src/config.js:${secretLine}`), needsModel);
  });

  it("the auditor's verdict carries the evidence it checked: the re-scanned file, the findings resolved, nothing new, tests not run", async () => {
    const root = scratchWorkspace(['tenant-api']);
    const { result, events } = await runOffline(root, { apply: false, agents: FIX_AGENTS });
    assert.equal(result.success, true, result.error);
    const request = messages(events).find((message) => message.type === 'validation_request');
    assert.ok(request && request.type === 'validation_request');
    const verdict = messages(events).find((message) => message.type === 'validation_result');
    assert.ok(verdict && verdict.type === 'validation_result');
    const evidence = verdict.payload.evidence;
    assert.ok(evidence, 'the verdict says what was checked');
    assert.deepEqual(evidence.filesRescanned, [HANDLERS]);
    assert.deepEqual([...evidence.findingsResolved].sort(), [...request.payload.findingIds].sort());
    assert.equal(evidence.findingsResolved.length, 2);
    assert.deepEqual(evidence.newFindings, []);
    assert.deepEqual(evidence.parseErrors, []);
    assert.equal(evidence.tests, null);
    // No command consent in this run: the verdict says the tests were not run, and why, instead of pretending.
    assert.match(evidence.testsNotRun ?? '', /commands not allowed/);
    assert.deepEqual(evidence.checks?.map((check) => `${check.name} ${check.status}`), ['parse passed', 'types not run', 'rescan passed', 'tests not run']);
    // The event of the run carries it too, so the log and the store keep it.
    const resultEvent = eventsOfType(events, 'validation.result')[0];
    assert.deepEqual(resultEvent?.payload.evidence, evidence);
  });

  it('with apply writes the fix to disk, changing only the lines of the fixable findings', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const before = snapshot(root);
    const original = readText(root, HANDLERS);

    const { result, events } = await runOffline(root, { apply: true, agents: FIX_AGENTS });

    assert.equal(result.success, true, result.error);
    const fixable = findingsBy(events, 'security-auditor').filter((finding) => finding.fixable);
    assert.deepEqual(fixable.map((finding) => `${finding.file}:${finding.line}`).sort(), [
      `${HANDLERS}:${lineOf(original, 'db.user.findFirst')}`,
      `${HANDLERS}:${lineOf(original, 'db.invoice.findMany')}`,
    ].sort());

    const fixed = readText(root, HANDLERS);
    assert.deepEqual(changedLines(original, fixed), fixable.map((finding) => finding.line).sort((a, b) => a - b));
    for (const line of changedLines(original, fixed)) assert.ok(fixed.split('\n')[line - 1].includes(TENANT_FILTER), fixed);

    const after = snapshot(root);
    for (const [file, bytes] of before) if (file !== HANDLERS) assert.equal(after.get(file), bytes, `${file} is untouched`);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no files were added or removed');

    const changes = eventsOfType(events, 'change.proposed').map((event) => event.payload);
    assert.deepEqual(changes.map((change) => [change.file, change.applied]), [[HANDLERS, true]]);
    assert.deepEqual([...changes[0].findingIds].sort(), fixable.map((finding) => finding.id).sort());
    const done = completion(events, 'backend-api-developer');
    assert.match(done.summary, /\(applied, validation approved\)/);
    assert.deepEqual(done.filesModified, [HANDLERS]);
    assert.ok(!done.recommendations.some((line) => /--apply/.test(line)), 'nothing left to apply');
  });

  it('reverts an applied fix the auditor rejects: the file ends up as it was, and the summary says so', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const original = readText(root, HANDLERS);

    const { result, events } = await runOffline(root, { apply: true, agents: FIX_AGENTS, runtimes: [rejectingAuditor(REJECTION)] });

    assert.equal(result.success, true, result.error);
    assert.equal(readText(root, HANDLERS), original);
    const changes = eventsOfType(events, 'change.proposed').map((event) => event.payload);
    assert.equal(changes.length, 2, 'the fix, then its revert');
    assert.ok(changes.every((change) => change.applied && change.file === HANDLERS));
    assert.deepEqual(changes[1].findingIds, [], 'the revert claims no fix');
    assert.ok(changes[1].diff.split('\n').some((line) => line.startsWith('-') && line.includes(TENANT_FILTER)), changes[1].diff);

    const done = completion(events, 'backend-api-developer');
    assert.match(done.summary, /validation rejected and reverted/);
    assert.deepEqual(done.filesModified, []);
    assert.ok(done.recommendations.includes(REJECTION), done.recommendations.join('\n'));
  });

  it('in a dry run with a rejected fix does not tell the user to re-run with --apply', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const before = snapshot(root);

    const { events } = await runOffline(root, { apply: false, agents: FIX_AGENTS, runtimes: [rejectingAuditor(REJECTION)] });

    assert.deepEqual(snapshot(root), before);
    const done = completion(events, 'backend-api-developer');
    assert.match(done.summary, /\(proposed, validation rejected and reverted\)/);
    assert.ok(!done.recommendations.some((line) => /--apply/.test(line)), `a rejected fix is not worth applying: ${done.recommendations.join(' | ')}`);
  });

  it('reverts an applied fix when the validation cannot be completed, instead of leaving it unreviewed', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const original = readText(root, HANDLERS);
    const crashing = auditorWithVerdict(async () => {
      throw new Error('rules engine crashed');
    });

    const { events } = await runOffline(root, { apply: true, agents: FIX_AGENTS, runtimes: [crashing] });

    assert.equal(readText(root, HANDLERS), original, 'no unvalidated change stays on disk');
    const done = completion(events, 'backend-api-developer');
    assert.match(done.summary, /validation failed, changes reverted/);
    assert.deepEqual(done.filesModified, []);
    assert.ok(done.recommendations.some((line) => line.includes('rules engine crashed')), done.recommendations.join('\n'));
  });

  it('finds the work itself when planned without the auditor, and then has no one to validate', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const original = readText(root, HANDLERS);

    const { result, events } = await runOffline(root, { apply: true, agents: ['backend-api-developer'] });

    assert.equal(result.success, true, result.error);
    assert.equal(changedLines(original, readText(root, HANDLERS)).length, 2);
    assert.equal(eventsOfType(events, 'validation.requested').length, 0);
    // With no validator the fixes are marked unvalidated everywhere the user looks, never passed off as reviewed.
    assert.match(completion(events, 'backend-api-developer').summary, /^2 of 4 finding\(s\) fixed mechanically \(applied, unvalidated: no validator in the plan\); 2 need a model$/);
    assert.ok(messages(events).some((m) => m.type === 'warning' && /2 fix\(es\) in src\/handlers\.js are unvalidated/.test(m.payload.message)));
    const unvalidated = result.recommendations.find((rec) => rec.type === 'validation');
    assert.equal(unvalidated?.priority, 'high');
    assert.match(unvalidated?.message ?? '', /1 change\(s\) to src\/handlers\.js are unvalidated \(no agent in the plan validates changes\)/);
  });
});
