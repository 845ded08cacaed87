import { strict as assert } from 'node:assert';
import { renderChangeSummary } from '../../../src/agents/offline/docsWriter';
import { foldEvents } from '../../../src/core/logging/runState';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';

describe('change summary (.summary.md): diffs for a reviewer', () => {
  it('shows each change as a fenced diff a ``` in the file cannot close, and how to apply the dry run', () => {
    const diff = unifiedDiff('src/a.ts', 'x\n', 'x\n// ```\n# not a heading\n');
    let seq = 0;
    const event = (type: string, payload: Record<string, unknown>): OrchestratorEvent => ({ sessionId: 's1', seq: ++seq, ts: 1_000 + seq, type, payload } as unknown as OrchestratorEvent);
    const state = foldEvents('s1', [
      event('run.started', { request: 'fix', workspace: '/w', options: { apply: false, allowCommands: false, maxParallelAgents: 2, agentTimeout: 1000, timeout: null } }),
      event('change.proposed', { agent: 'fixer', file: 'src/a.ts', diff, applied: false, findingIds: ['f1'] }),
    ]);
    const summary = renderChangeSummary(state, null);
    const changed = summary.slice(summary.indexOf('## Changed'), summary.indexOf('## Validated'));
    assert.match(changed, /- `src\/a\.ts` by fixer: proposed \(dry run, not written\), fixes 1 finding\(s\); change 1\n/);
    assert.match(changed, /\n````diff\n--- a\/src\/a\.ts\n\+\+\+ b\/src\/a\.ts\n@@ -1,1 \+1,3 @@\n x\n\+\/\/ ```\n\+# not a heading\n````\n/);
    assert.match(changed, /`agent-orchestrator apply s1`/);
  });
});
