import { strict as assert } from 'node:assert';
import { mermaidIds, renderDashboardMarkdown } from '../../../src/core/logging/dashboardMarkdown';
import { foldEvents } from '../../../src/core/logging/runState';
import { SESSION, example1Events } from './example1';

describe('Markdown dashboard', () => {
  const dashboard = renderDashboardMarkdown(foldEvents(SESSION, example1Events()));

  it('shows the session and the agent status table', () => {
    assert.ok(dashboard.startsWith('# 🚀 Live Execution Dashboard\n\n**Session**: `session_20250130_abc123`\n'));
    assert.ok(dashboard.includes('**Started**: 2025-01-30T10:23:45.123Z\n**Status**: ✅ Complete\n'));
    assert.ok(
      dashboard.includes(
        [
          '| Agent | Status | Duration | Tools Used | Messages (sent / received) |',
          '|-------|--------|----------|------------|----------------------------|',
          '| security-auditor | ✅ Complete | 7000ms | 1 | 4 / 1 |',
          '| backend-api-developer | ✅ Complete | 8156ms | 1 | 1 / 4 |',
          '| test-suite-developer | ✅ Complete | 5234ms | 1 | 0 / 2 |',
          '| docs-writer | ✅ Complete | 2600ms | 0 | 0 / 2 |',
        ].join('\n'),
      ),
      dashboard,
    );
  });

  it('draws the communication flow with sanitized mermaid ids', () => {
    assert.ok(
      dashboard.includes(
        '```mermaid\ngraph LR\n    security_auditor-->all\n    security_auditor-->backend_api_developer\n    backend_api_developer-->security_auditor\n```',
      ),
      dashboard,
    );
  });

  it('shows full progress, newest messages first, metrics and the summary', () => {
    assert.ok(dashboard.includes('```\n[██████████] 100% (4/4 agents)\n```'));
    const pattern = dashboard.indexOf('- **10:24:15** 💡 `security-auditor` → `all`: *pattern_discovered* (Priority: normal)');
    const result = dashboard.indexOf('- **10:23:58** 📋 `security-auditor` → `backend-api-developer`: *validation_result* (Priority: high)');
    const request = dashboard.indexOf('- **10:23:56** ✅ `backend-api-developer` → `security-auditor`: *validation_request* (Priority: high)');
    assert.ok(pattern >= 0 && pattern < result && result < request, 'messages newest first');
    assert.ok(dashboard.includes('- **Parallel Execution**: 23%\n- **MCP Utilization**: 33%\n- **Tool Calls**: 3\n- **Avg Response Time**: 189ms'));
    assert.ok(dashboard.includes('| high | tenant-isolation | src/auth.ts:42 | Missing organizationId validation |'));
    assert.ok(dashboard.includes('- 💡 **agent_sequence**: `security-auditor → backend-api-developer → test-suite-developer` (Confidence: 85%, Support: 3)\n  - Context: security-fix'));
    assert.ok(dashboard.includes('- **Total Duration**: 35000ms\n- **Agents Used**: 4 (security-auditor, backend-api-developer, test-suite-developer, docs-writer)\n- **Total Messages**: 5'));
    assert.ok(dashboard.trimEnd().endsWith('**🎉 Execution completed successfully!**'));
  });

  it('counts messages so that the table\'s sent column and the orchestrator\'s messages add up to the total', () => {
    const events = example1Events();
    const last = events[events.length - 1]!;
    // A warning the orchestrator broadcasts: sent by no agent, received by every one.
    const warning = {
      ...last, seq: last.seq + 1, ts: last.ts, type: 'message.sent' as const,
      payload: { message: { id: 'm-orchestrator', from: 'orchestrator', to: 'all', type: 'warning' as const, priority: 'high' as const, timestamp: last.ts, payload: { message: 'heads up' } } },
    };
    const text = renderDashboardMarkdown(foldEvents(SESSION, [...events.slice(0, -1), warning as never, { ...last, seq: last.seq + 2 }]));
    const sent = [...text.matchAll(/^\| [a-z-]+ \| .+ \| (\d+) \/ (\d+) \|$/gm)].map((row) => Number(row[1]));
    const total = Number(/- \*\*Total Messages\*\*: (\d+)/.exec(text)?.[1]);
    assert.equal(total, 6);
    assert.equal(sent.reduce((a, b) => a + b, 0), 5);
    assert.match(text, /- \*\*Total Messages\*\*: 6 \(5 sent by agents, 1 by the orchestrator; a broadcast is received by every agent\)/);
  });

  it('shows a live run in progress', () => {
    const events = example1Events();
    const upTo = events.findIndex((e) => e.type === 'agent.started' && e.payload.agent === 'backend-api-developer');
    const live = renderDashboardMarkdown(foldEvents(SESSION, events.slice(0, upTo + 1)));
    assert.ok(live.includes('**Status**: 🔄 Running'));
    assert.ok(live.includes('| backend-api-developer | 🔄 Running | 0ms so far |'));
    assert.ok(live.includes('| docs-writer | ⏳ Pending | — | 0 | 0 / 1 |'));
    assert.ok(live.includes('[███░░░░░░░] 25% (1/4 agents)'));
    assert.ok(live.includes('_🔄 Execution in progress…_'));
  });

  it('renders a failed run with the failure first among the recommendations', () => {
    const failed = renderDashboardMarkdown(foldEvents(SESSION, example1Events({ failBackend: true })));
    assert.ok(failed.includes('**Status**: ❌ Failed'));
    assert.ok(failed.includes('| backend-api-developer | ❌ Failed | 1823ms | 1 | 0 / 2 |'));
    assert.ok(failed.includes('| test-suite-developer | ⏭️ Skipped | — | 0 | 0 / 1 |'));
    assert.match(failed, /### Recommendations\n\n- 🔴 \*\*failure\*\*: backend-api-developer failed: Model request failed: 503/);
    assert.ok(failed.trimEnd().endsWith('**❌ Execution failed: backend-api-developer failed**'));
  });

  it('keeps mermaid ids valid and distinct', () => {
    const ids = mermaidIds(['security-auditor', 'security_auditor', 'end', '1st.agent', 'security-auditor']);
    assert.deepEqual([...ids.entries()], [
      ['security-auditor', 'security_auditor'],
      ['security_auditor', 'security_auditor_2'],
      ['end', 'end_'],
      ['1st.agent', 'n_1st_agent'],
    ]);
  });
});
