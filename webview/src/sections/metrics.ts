// The seed's "Performance Metrics" as tiles: how parallel the run was, how much it leaned on tools and MCP.
import { metricsOf } from '../../../src/core/logging/runState';
import { h, setAttr, setText } from '../dom';
import { duration } from '../format';
import { card, type RenderContext, type SectionView } from './section';

interface Tile {
  value: HTMLElement;
  note: HTMLElement;
}

export class MetricsView implements SectionView {
  readonly element: HTMLElement;
  readonly #tiles = new Map<string, Tile>();

  constructor() {
    const { section, body } = card('Performance Metrics', { testId: 'metrics', className: 'metrics-card' });
    const grid = h('dl', { class: 'tiles' });
    for (const [key, label] of [
      ['parallel', 'Parallel execution'],
      ['mcp', 'MCP utilization'],
      ['tools', 'Tool calls'],
      ['avg', 'Avg tool time'],
      ['messages', 'Messages'],
      ['duration', 'Total duration'],
    ] as const) {
      const value = h('dd', { class: 'tile-value' });
      const note = h('dd', { class: 'tile-note' });
      grid.append(h('div', { class: 'tile', 'data-metric': key }, [h('dt', {}, [label]), value, note]));
      this.#tiles.set(key, { value, note });
    }
    body.append(grid);
    this.element = section;
  }

  update({ state }: RenderContext): void {
    const metrics = metricsOf(state);
    const set = (key: string, value: string, note = ''): void => {
      const tile = this.#tiles.get(key);
      if (!tile) return;
      setText(tile.value, value);
      setText(tile.note, note);
      setAttr(tile.note, 'hidden', note === '');
    };
    set('parallel', `${metrics.parallelExecutionPercent}%`, 'of agent time overlapped');
    set('mcp', `${metrics.mcpUtilizationPercent}%`, `${state.mcpToolCallCount} of ${metrics.toolCalls} tool calls`);
    set('tools', String(metrics.toolCalls), state.failedToolCallCount > 0 ? `${state.failedToolCallCount} failed` : 'none failed');
    set('avg', metrics.toolCalls === 0 ? '—' : duration(metrics.avgToolMs), 'per tool call');
    set('messages', String(metrics.messages), `${Object.keys(state.messageCountsByType).length} types`);
    const elapsed = metrics.totalDurationMs ?? (state.startedAt !== null && state.lastEventAt !== null ? state.lastEventAt - state.startedAt : null);
    set('duration', elapsed === null ? '—' : duration(elapsed), metrics.totalDurationMs === null ? 'so far' : 'wall clock');
  }
}
