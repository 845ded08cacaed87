import { strict as assert } from 'node:assert';
import type { ApprovalRequest } from '../../../src/core/ports';
import { ApprovalFlow, approvalOptions, approvalTitle, type ApprovalChoice, type ApprovalUi } from '../../../src/vscode/approvalFlow';
import { HostMethods } from '../../../src/shared/engineProtocol';

const edit: ApprovalRequest = { kind: 'edit', agent: 'backend-api-developer', tool: 'Edit', file: 'src/a.ts', diff: '-old\n+new', content: 'new\n' };
const command: ApprovalRequest = { kind: 'command', agent: 'test-suite-developer', tool: 'Bash', command: 'npm test && rm -rf build' };

/** Widgets that answer from a script and record what was shown, asked and closed, in order. */
class FakeUi implements ApprovalUi {
  readonly log: string[] = [];
  constructor(
    private readonly choice: (request: string) => Promise<ApprovalChoice | undefined>,
    private readonly reason: () => Promise<string | undefined> = async () => undefined,
  ) {}
  async show(request: ApprovalRequest): Promise<() => void> {
    const name = request.kind === 'edit' ? request.file : request.kind === 'command' ? request.command : request.tool;
    this.log.push(`show ${name}`);
    return () => this.log.push(`close ${name}`);
  }
  choose(title: string): Promise<ApprovalChoice | undefined> {
    this.log.push(`choose ${title}`);
    return this.choice(title);
  }
  askReason(): Promise<string | undefined> {
    this.log.push('reason');
    return this.reason();
  }
}

describe('ApprovalFlow: the window answers an agent\'s approval request', () => {
  const never = new AbortController().signal;

  it('maps Approve and Approve all to the decision, showing the proposal first and closing it after', async () => {
    for (const choice of ['approve', 'approve-all'] as const) {
      const ui = new FakeUi(async () => choice);
      assert.deepEqual(await new ApprovalFlow(ui).ask(edit, never), { decision: choice });
      assert.deepEqual(ui.log, ['show src/a.ts', 'choose backend-api-developer wants to change src/a.ts (Edit)', 'close src/a.ts']);
    }
  });

  it('passes the reason of a rejection on, and says when none was given', async () => {
    assert.deepEqual(await new ApprovalFlow(new FakeUi(async () => 'reject', async () => '  keep the public API  ')).ask(command, never), { decision: 'reject', reason: 'keep the public API' });
    assert.deepEqual(await new ApprovalFlow(new FakeUi(async () => 'reject', async () => '')).ask(command, never), { decision: 'reject', reason: 'no reason given' });
    assert.deepEqual(await new ApprovalFlow(new FakeUi(async () => 'reject')).ask(command, never), { decision: 'reject', reason: 'no reason given' });
  });

  it('treats a dismissed prompt (Escape) as a rejection', async () => {
    assert.deepEqual(await new ApprovalFlow(new FakeUi(async () => undefined)).ask(edit, never), { decision: 'reject', reason: 'dismissed without an answer' });
  });

  it('closes the prompt and rejects when the run is cancelled while it is open', async () => {
    const abort = new AbortController();
    const ui = new FakeUi(() => new Promise((resolve) => abort.signal.addEventListener('abort', () => resolve('approve'))));
    const answer = new ApprovalFlow(ui).ask(edit, abort.signal);
    await new Promise<void>((resolve) => setImmediate(resolve));
    abort.abort();
    // Even a click racing the cancellation is not consent once the run is cancelled.
    assert.deepEqual(await answer, { decision: 'reject', reason: 'the run was cancelled' });
    assert.equal(ui.log.at(-1), 'close src/a.ts');
  });

  it('asks one question at a time when agents ask in parallel', async () => {
    const answers: ((choice: ApprovalChoice) => void)[] = [];
    const ui = new FakeUi(() => new Promise((resolve) => answers.push(resolve)));
    const flow = new ApprovalFlow(ui);
    const first = flow.ask(edit, never);
    const second = flow.ask(command, never);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(ui.log, ['show src/a.ts', 'choose backend-api-developer wants to change src/a.ts (Edit)']);
    answers[0]!('approve');
    assert.deepEqual(await first, { decision: 'approve' });
    await new Promise<void>((resolve) => setImmediate(resolve));
    answers[1]!('reject');
    assert.equal((await second).decision, 'reject');
    assert.deepEqual(ui.log.slice(2, 4), ['close src/a.ts', 'show npm test && rm -rf build']);
  });

  it('shows the command in full and names the kind in "approve all"', () => {
    assert.equal(approvalTitle(command), 'test-suite-developer wants to run: npm test && rm -rf build');
    assert.deepEqual(approvalOptions(edit).map((option) => option.label), ['Approve', 'Reject…', 'Approve all edits for this run']);
    assert.equal(approvalOptions(command)[2]!.label, 'Approve all commands for this run');
  });

  it('makes control characters in a file name visible instead of echoing them', () => {
    const title = approvalTitle({ ...edit, file: 'src/\u001b[2Jevil.ts' });
    assert.ok(!title.includes('\u001b'), title);
  });

  it('refuses a malformed request before any prompt (the window validates what the engine sends)', () => {
    const schema = HostMethods['approval/request'].params;
    assert.equal(schema.safeParse({ request: edit }).success, true);
    assert.equal(schema.safeParse({ request: { kind: 'edit', agent: 'a', tool: 'Edit', file: 'src/a.ts', diff: '' } }).success, false, 'an edit without its proposed content');
    assert.equal(schema.safeParse({ request: { kind: 'delete', agent: 'a', tool: 'rm', file: '/' } }).success, false, 'an unknown kind');
    assert.equal(schema.safeParse({ request: { ...command, command: '' } }).success, false, 'an empty command');
  });
});
