// Model usage (turns, tokens, cost, waiting state) from RunState into the text views: the report (Markdown and
// JSON), the dashboard Markdown, the Agents tree's text and the CLI's end-of-run summary.
import { strict as assert } from 'node:assert';
import { buildExecutionReport, renderReportMarkdown } from '../../../src/core/logging/executionReport';
import { renderDashboardMarkdown } from '../../../src/core/logging/dashboardMarkdown';
import { foldEvents } from '../../../src/core/logging/runState';
import { formatTokens } from '../../../src/core/logging/format';
import { modelUsageSummaryLines } from '../../../src/cli/terminalReporter';
import { agentUsageDescription, agentUsageTooltipLines, withUsage } from '../../../src/vscode/agentUsagePresentation';
import { MODEL_SESSION, modelRunEvents } from './modelRun';

function stateOf(options: Parameters<typeof modelRunEvents>[0] = {}) {
  return foldEvents(MODEL_SESSION, modelRunEvents(options));
}

describe('model usage in the text views', () => {
  it('formats token counts compactly', () => {
    assert.deepEqual([0, 950, 1000, 1234, 12_345, 1_250_000].map(formatTokens), ['0', '950', '1k', '1.23k', '12.3k', '1.25M']);
  });

  it('puts each agent\'s model, turns, tokens and cost, and the run totals, in the report JSON', () => {
    const report = JSON.parse(JSON.stringify(buildExecutionReport(stateOf())));
    const reviewer = report.agents.find((a: { name: string }) => a.name === 'code-reviewer');
    assert.equal(reviewer.model, 'openai/gpt-4o-mini');
    assert.deepEqual(reviewer.usage, { modelCalls: 3, inputTokens: 39_500, outputTokens: 1550, cachedInputTokens: 8000, costUsd: 0.0056, unpricedCalls: 1, failedCalls: 0 });
    const auditor = report.agents.find((a: { name: string }) => a.name === 'security-auditor');
    assert.equal(auditor.model, null);
    assert.equal(auditor.usage.modelCalls, 0);
    assert.equal(report.usage.modelCalls, 3);
    assert.equal(report.usage.unpricedCalls, 1);
  });

  it('shows model columns and run totals in the report Markdown, naming the calls without a price', () => {
    const markdown = renderReportMarkdown(buildExecutionReport(stateOf()));
    assert.match(markdown, /\| Agent \| Status \| Duration \| Tool Calls \| Messages Sent \| Model \| Turns \| Tokens \(in \/ out\) \| Cost \| Error \|/);
    assert.match(markdown, /\| code-reviewer \| .* \| `openai\/gpt-4o-mini` \| 3 \| 39\.5k in \(8k cached\) \/ 1\.55k out \| \$0\.0056 \+ 1 unpriced \|/);
    assert.match(markdown, /- \*\*Model Calls\*\*: 3\n- \*\*Tokens\*\*: 39\.5k in \(8k cached\) \/ 1\.55k out\n- \*\*Model Cost\*\*: \$0\.0056 \+ 1 unpriced\n- \*\*Calls Without a Price\*\*: 1 call/);
  });

  it('keeps the offline report free of model columns and totals', () => {
    const markdown = renderReportMarkdown(buildExecutionReport(stateOf({ offline: true })));
    assert.doesNotMatch(markdown, /Model|Tokens|Turns/);
  });

  it('shows the waiting state, model columns and totals in the dashboard Markdown', () => {
    const waiting = renderDashboardMarkdown(stateOf({ stopWaiting: true }));
    assert.match(waiting, /\| code-reviewer \| 🔄 Running \(waiting for approval\) \|/);
    assert.match(waiting, /\| Model \| Turns \| Tokens \| Cost \|/);
    const done = renderDashboardMarkdown(stateOf());
    assert.match(done, /- \*\*Model Calls\*\*: 3/);
    assert.doesNotMatch(renderDashboardMarkdown(stateOf({ offline: true })), /Model|Tokens/);
  });

  it('keeps a model name that carries Markdown or HTML inside one code span of one table cell', () => {
    const events = modelRunEvents().map((event) =>
      event.type === 'model.called' ? { ...event, payload: { ...event.payload, model: 'x|<img src=x onerror=alert(1)>' } } : event,
    );
    const state = foldEvents(MODEL_SESSION, events);
    for (const markdown of [renderReportMarkdown(buildExecutionReport(state)), renderDashboardMarkdown(state)]) {
      const row = markdown.split('\n').find((line) => line.startsWith('| code-reviewer |'))!;
      assert.match(row, / `openai\/x\\\|<img src=x onerror=alert\(1\)>` \|/);
      const header = markdown.split('\n').find((line) => line.startsWith('| Agent |'))!;
      assert.equal(row.split(/(?<!\\)\|/).length, header.split('|').length, row);
    }
  });

  it('gives the Agents tree the model, tokens and cost of a model agent and nothing for an offline one', () => {
    const state = stateOf();
    const reviewer = state.agents.find((a) => a.name === 'code-reviewer')!;
    assert.equal(agentUsageDescription(reviewer), 'openai/gpt-4o-mini · 41k tok · $0.0056 + 1 unpriced');
    assert.equal(withUsage('completed · 3.6 s', reviewer), 'completed · 3.6 s · openai/gpt-4o-mini · 41k tok · $0.0056 + 1 unpriced');
    assert.deepEqual(agentUsageTooltipLines(reviewer), [
      'Model: openai/gpt-4o-mini',
      'Usage: 3 turns, 39.5k in (8k cached) / 1.55k out tokens, cost $0.0056 + 1 unpriced',
    ]);
    const auditor = state.agents.find((a) => a.name === 'security-auditor')!;
    assert.equal(withUsage('completed · 2 s', auditor), 'completed · 2 s');
    assert.deepEqual(agentUsageTooltipLines(auditor), []);
  });

  it('ends a CLI run with the run\'s model usage and one line per model agent, and says nothing offline', () => {
    const lines = modelUsageSummaryLines(buildExecutionReport(stateOf())).map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
    assert.deepEqual(lines, [
      '🧠 Models:    3 turns, 39.5k in (8k cached) / 1.55k out tokens, cost $0.0056 + 1 unpriced',
      '   code-reviewer (openai/gpt-4o-mini): 3 turns, 39.5k in (8k cached) / 1.55k out tokens, cost $0.0056 + 1 unpriced',
    ]);
    assert.deepEqual(modelUsageSummaryLines(buildExecutionReport(stateOf({ offline: true }))), []);
  });
});
