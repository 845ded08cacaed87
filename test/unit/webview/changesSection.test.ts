// The dashboards' Changes section, as far as it runs without a browser: which events redraw it, how a change's
// state reads, that its diff travels inside the standalone page unharmed, and that its colours follow the theme.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DashboardModel } from '../../../webview/src/dashboardModel';
import { changeStatusLabel } from '../../../src/core/logging/diffView';
import { createNonce, renderDashboardHtml } from '../../../src/shared/dashboardHtml';
import { parseStandaloneDashboardData } from '../../../src/shared/dashboardProtocol';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';

const sessionId = 'session_20250130_102345_abc123';
const HOSTILE_DIFF = unifiedDiff('src/a.ts', 'a\n', 'a\n</script><script>alert(1)</script>\n```\n');
let seq = 0;
const event = (type: string, payload: Record<string, unknown>): OrchestratorEvent => ({ sessionId, seq: ++seq, ts: 1_000 + seq, type, payload } as unknown as OrchestratorEvent);

describe('dashboard: changes as diffs', () => {
  const started = event('run.started', { request: 'fix', workspace: '/w', options: { apply: false, allowCommands: false, maxParallelAgents: 2, agentTimeout: 1000, timeout: null } });
  const proposed = event('change.proposed', { agent: 'fixer', file: 'src/a.ts', diff: HOSTILE_DIFF, applied: false, findingIds: ['f1'] });
  const applied = event('change.applied', { changeId: '1', file: 'src/a.ts', by: 'vscode' });

  it('redraws the Changes section when a change is proposed and when the review applies it', () => {
    const model = new DashboardModel();
    model.loadSession({ sessionId, workspaceName: 'w', live: true, interactive: true }, [started]);
    model.takeWork();
    model.applyEvents(sessionId, [proposed]);
    assert.ok(model.takeWork().dirty.has('changes'));
    model.applyEvents(sessionId, [applied]);
    assert.ok(model.takeWork().dirty.has('changes'));
    const view = model.view;
    assert.ok(view.kind === 'session');
    assert.equal(changeStatusLabel(view.state.changes[0]!), 'applied in review');
  });

  it('reads a change that waits for review as proposed, not applied', () => {
    assert.equal(changeStatusLabel({ applied: false, review: null }), 'proposed, not applied');
    assert.equal(changeStatusLabel({ applied: false, review: 'discarded' }), 'discarded');
  });

  it('carries a diff holding </script> and ``` inside the standalone page unchanged, under a CSP with nothing remote', () => {
    const data = { session: { sessionId, workspaceName: 'w', live: false, interactive: false }, events: [started, proposed] };
    const html = renderDashboardHtml({ nonce: createNonce(), title: 'x', standalone: { data, script: 'void 0;', style: '' } });
    const csp = (/http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '').replace(/&#39;|&apos;/g, "'");
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /https?:/);
    assert.equal(html.split('</script>').length - 1, 2, 'only the data and the bundle scripts end');
    const json = /<script type="application\/json" id="agent-orchestrator-session">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? 'null';
    const back = parseStandaloneDashboardData(JSON.parse(json));
    const change = back.events.find((e) => e.type === 'change.proposed');
    assert.ok(change && change.type === 'change.proposed' && change.payload.diff === HOSTILE_DIFF);
  });

  it('colours added and removed lines from the theme (the diff editor\'s colours), with light and dark fallbacks for the standalone file', () => {
    const css = readFileSync(path.resolve(__dirname, '..', '..', '..', 'webview', 'src', 'dashboard.css'), 'utf8');
    assert.match(css, /\.diff-add \{\s*background: var\(--vscode-diffEditor-insertedLineBackground/);
    assert.match(css, /\.diff-remove \{\s*background: var\(--vscode-diffEditor-removedLineBackground/);
    const standalone = css.split('@media (prefers-color-scheme: dark)');
    assert.match(standalone[0]!, /\.standalone \{[^}]*--vscode-diffEditor-insertedLineBackground/);
    assert.match(standalone[1]!, /\.standalone \{[^}]*--vscode-diffEditor-insertedLineBackground/);
  });
});
