// The seed's "Performance Metrics" as tiles: how parallel the run was, how much it leaned on tools and MCP.
import { formatTokens, formatUsd, plural } from '../../../src/core/logging/format';
import { metricsOf, runUsage, runUsesModels } from '../../../src/core/logging/runState';
import { h, setAttr, setText } from '../dom';
import { duration } from '../format';
import { card, type RenderContext, type SectionView } from './section';

interface Tile {
  tile: HTMLElement;
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
      ['modelCalls', 'Model calls'],
      ['tokens', 'Tokens'],
      ['cost', 'Model cost'],
    ] as const) {
      const value = h('dd', { class: 'tile-value' });
      const note = h('dd', { class: 'tile-note' });
      const tile = h('div', { class: 'tile', 'data-metric': key }, [h('dt', {}, [label]), value, note]);
      grid.append(tile);
      this.#tiles.set(key, { tile, value, note });
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
    this.#modelTiles(state);
    set('duration', elapsed === null ? '—' : duration(elapsed), metrics.totalDurationMs === null ? 'so far' : 'wall clock');
  }

  #modelTiles(state: RenderContext['state']): void {
    const used = runUsesModels(state);
    for (const key of ['modelCalls', 'tokens', 'cost']) {
      const tile = this.#tiles.get(key);
      if (tile) setAttr(tile.tile, 'hidden', !used);
    }
    if (!used) return;
    const usage = runUsage(state);
    const set = (key: string, value: string, note: string): void => {
      const tile = this.#tiles.get(key);
      if (!tile) return;
      setText(tile.value, value);
      setText(tile.note, note);
      setAttr(tile.note, 'hidden', note === '');
    };
    set('modelCalls', String(usage.modelCalls), usage.failedCalls > 0 ? `${usage.failedCalls} failed` : 'none failed');
    const cached = usage.cachedInputTokens > 0 ? `, ${formatTokens(usage.cachedInputTokens)} cached` : '';
    set('tokens', formatTokens(usage.inputTokens + usage.outputTokens), `${formatTokens(usage.inputTokens)} in / ${formatTokens(usage.outputTokens)} out${cached}`);
    const priced = usage.modelCalls - usage.unpricedCalls;
    set(
      'cost',
      priced === 0 ? 'unknown' : formatUsd(usage.costUsd),
      usage.unpricedCalls === 0 ? 'every call priced' : `${plural(usage.unpricedCalls, 'call')} without a price`,
    );
  }
}
