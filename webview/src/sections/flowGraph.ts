// The seed's "Agent Communication Flow" as an SVG drawn in the page and laid out by dagre (left to right). Nodes are
// the agents (and 'all' for broadcasts), edges carry the message count and types. The layout is redone only when
// the graph's shape changes; a new message on a known edge just rewrites its label, so a busy run stays cheap.
import { graphlib, layout } from '@dagrejs/dagre';
import type { AgentStatus, FlowEdge, RunState } from '../../../src/core/logging/runState';
import { h, s, setAttr, setStyle, setText, srOnly } from '../dom';
import { count, truncate } from '../format';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

const BROADCAST = 'all';
const NODE_HEIGHT = 46;
const CHAR_WIDTH = 7.8;
const LABEL_CHAR_WIDTH = 6.6;
const LABEL_LINE_HEIGHT = 14;
const MAX_TYPES_CHARS = 44;
/** Below this scale the labels get too small to read: the graph scrolls instead. */
const MIN_SCALE = 0.75;

interface GraphNode {
  name: string;
  status: AgentStatus | 'broadcast' | 'external';
}

interface Positioned {
  width: number;
  height: number;
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  edges: Map<string, { points: { x: number; y: number }[]; x: number; y: number; width: number; height: number }>;
}

interface DrawnEdge {
  count: SVGTSpanElement;
  types: SVGTSpanElement;
  title: SVGTitleElement;
}

interface DrawnNode {
  group: SVGGElement;
  status: SVGTextElement;
  title: SVGTitleElement;
}

function edgeKey(edge: { from: string; to: string }): string {
  return `${edge.from}\u0000${edge.to}`;
}

function typesLabel(edge: FlowEdge): string {
  return truncate(edge.types.join(', '), MAX_TYPES_CHARS);
}

function countLabel(edge: FlowEdge): string {
  return count(edge.count, 'message');
}

/** Agents that took part (skipped ones never joined the bus), plus any other endpoint of an edge. */
function graphNodes(state: RunState): GraphNode[] {
  const nodes = new Map<string, GraphNode>();
  for (const agent of state.agents) if (agent.status !== 'skipped') nodes.set(agent.name, { name: agent.name, status: agent.status });
  for (const edge of state.flow) {
    for (const name of [edge.from, edge.to]) {
      if (!nodes.has(name)) nodes.set(name, { name, status: name === BROADCAST ? 'broadcast' : 'external' });
    }
  }
  return [...nodes.values()];
}

function nodeWidth(name: string): number {
  return Math.max(110, Math.ceil(name.length * CHAR_WIDTH) + 44);
}

function statusText(node: GraphNode): string {
  if (node.status === 'broadcast') return 'broadcast';
  if (node.status === 'external') return 'outside the plan';
  return node.status;
}

function runLayout(nodes: readonly GraphNode[], edges: readonly FlowEdge[]): Positioned {
  const graph = new graphlib.Graph({ multigraph: false, directed: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 110, edgesep: 16, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.name, { width: nodeWidth(node.name), height: NODE_HEIGHT });
  for (const edge of edges) {
    const width = Math.ceil(Math.max(countLabel(edge).length, typesLabel(edge).length) * LABEL_CHAR_WIDTH) + 12;
    graph.setEdge(edge.from, edge.to, { width, height: LABEL_LINE_HEIGHT * 2 + 6, labelpos: 'c' });
  }
  layout(graph);
  const label = graph.graph();
  const positioned: Positioned = { width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0), nodes: new Map(), edges: new Map() };
  for (const name of graph.nodes()) {
    const node = graph.node(name) as { x: number; y: number; width: number; height: number };
    positioned.nodes.set(name, { x: node.x, y: node.y, width: node.width, height: node.height });
  }
  for (const e of graph.edges()) {
    const edge = graph.edge(e) as { points?: { x: number; y: number }[]; x?: number; y?: number; width?: number; height?: number };
    positioned.edges.set(edgeKey({ from: e.v, to: e.w }), {
      points: edge.points ?? [],
      x: edge.x ?? 0,
      y: edge.y ?? 0,
      width: edge.width ?? 0,
      height: edge.height ?? 0,
    });
  }
  return positioned;
}

/** A smooth path through every one of dagre's points (a Catmull-Rom spline as cubic Béziers), so it meets its label. */
function pathThrough(points: readonly { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const round = (value: number): string => value.toFixed(1);
  const at = (index: number): { x: number; y: number } => points[Math.max(0, Math.min(points.length - 1, index))]!;
  let d = `M${round(at(0).x)},${round(at(0).y)}`;
  for (let i = 0; i < points.length - 1; i++) {
    const [before, from, to, after] = [at(i - 1), at(i), at(i + 1), at(i + 2)];
    const c1 = { x: from.x + (to.x - before.x) / 6, y: from.y + (to.y - before.y) / 6 };
    const c2 = { x: to.x - (after.x - from.x) / 6, y: to.y - (after.y - from.y) / 6 };
    d += ` C${round(c1.x)},${round(c1.y)} ${round(c2.x)},${round(c2.y)} ${round(to.x)},${round(to.y)}`;
  }
  return d;
}

function edgeDescription(edge: FlowEdge): string {
  const target = edge.to === BROADCAST ? 'all agents (broadcast)' : edge.to;
  return `${edge.from} → ${target}: ${countLabel(edge)} (${edge.types.join(', ')})`;
}

export class FlowGraphView implements SectionView {
  readonly element: HTMLElement;
  readonly #figure = h('figure', { class: 'flow-graph', 'data-testid': 'flow-graph' });
  readonly #empty = emptyNote('No messages between agents yet.');
  readonly #textAlternative = srOnly([], 'ul');
  readonly #count = h('span', { class: 'card-count' });
  #shape = '';
  #svg: SVGSVGElement | null = null;
  #drawnEdges = new Map<string, DrawnEdge>();
  #drawnNodes = new Map<string, DrawnNode>();

  constructor() {
    const { section, body } = card('Communication Flow', { testId: 'flow', className: 'span-all flow-card', extra: this.#count });
    body.append(this.#empty, this.#figure);
    this.element = section;
  }

  update({ state }: RenderContext): void {
    const edges = state.flow;
    this.#empty.hidden = edges.length > 0;
    this.#figure.hidden = edges.length === 0;
    setText(this.#count, edges.length > 0 ? count(edges.length, 'connection') : '');
    if (edges.length === 0) return;

    const nodes = graphNodes(state);
    // The shape is what the layout depends on: node names and widths, edges and their label sizes.
    const shape = JSON.stringify([nodes.map((node) => node.name), edges.map((edge) => [edge.from, edge.to, typesLabel(edge), countLabel(edge).length])]);
    if (shape !== this.#shape || !this.#svg) {
      this.#shape = shape;
      this.#draw(nodes, edges);
    }
    for (const node of nodes) {
      const drawn = this.#drawnNodes.get(node.name);
      if (!drawn) continue;
      setAttr(drawn.group, 'data-status', node.status);
      setAttr(drawn.group, 'class', `flow-node node-${node.status}`);
      setText(drawn.status, statusText(node));
      setText(drawn.title, `${node.name}: ${statusText(node)}`);
    }
    for (const edge of edges) {
      const drawn = this.#drawnEdges.get(edgeKey(edge));
      if (!drawn) continue;
      setText(drawn.count, countLabel(edge));
      setText(drawn.types, typesLabel(edge));
      setText(drawn.title, edgeDescription(edge));
    }
    this.#describe(edges);
  }

  #draw(nodes: readonly GraphNode[], edges: readonly FlowEdge[]): void {
    const positioned = runLayout(nodes, edges);
    this.#drawnEdges = new Map();
    this.#drawnNodes = new Map();
    const svg = s('svg', {
      role: 'img',
      'aria-label': `Communication flow between ${count(nodes.length, 'participant')}, ${count(edges.length, 'connection')}. The list below describes each connection.`,
      viewBox: `0 0 ${positioned.width} ${positioned.height}`,
      width: positioned.width,
      height: positioned.height,
      preserveAspectRatio: 'xMidYMin meet',
    });
    setStyle(svg, 'min-width', `${Math.round(positioned.width * MIN_SCALE)}px`);
    const defs = s('defs', {}, [
      s('marker', { id: 'flow-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, [
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'flow-arrowhead' }),
      ]),
    ]);
    const edgeLayer = s('g', { class: 'flow-edges' });
    const labelLayer = s('g', { class: 'flow-edge-labels' });
    for (const edge of edges) {
      const geometry = positioned.edges.get(edgeKey(edge));
      if (!geometry) continue;
      const title = s('title');
      const countText = s('tspan', { x: geometry.x, dy: 0, class: 'flow-edge-count' });
      const typesText = s('tspan', { x: geometry.x, dy: LABEL_LINE_HEIGHT, class: 'flow-edge-types' });
      const top = geometry.y - geometry.height / 2;
      const group = s('g', { class: `flow-edge${edge.to === BROADCAST ? ' is-broadcast' : ''}`, 'data-testid': 'flow-edge', 'data-from': edge.from, 'data-to': edge.to }, [
        title,
        s('path', { class: 'flow-edge-line', d: pathThrough(geometry.points), 'marker-end': 'url(#flow-arrow)' }),
      ]);
      edgeLayer.append(group);
      labelLayer.append(
        s('g', { class: 'flow-edge-label', 'aria-hidden': 'true' }, [
          s('rect', { x: geometry.x - geometry.width / 2, y: top, width: geometry.width, height: geometry.height, rx: 3 }),
          s('text', { x: geometry.x, y: top + 13, 'text-anchor': 'middle' }, [countText, typesText]),
        ]),
      );
      this.#drawnEdges.set(edgeKey(edge), { count: countText, types: typesText, title });
    }
    const nodeLayer = s('g', { class: 'flow-nodes' });
    for (const node of nodes) {
      const geometry = positioned.nodes.get(node.name);
      if (!geometry) continue;
      const title = s('title');
      const status = s('text', { class: 'flow-node-status', x: 6, y: 13, 'text-anchor': 'middle' });
      const group = s('g', { class: `flow-node node-${node.status}`, 'data-testid': 'flow-node', 'data-agent': node.name, transform: `translate(${geometry.x.toFixed(1)},${geometry.y.toFixed(1)})` }, [
        title,
        s('rect', { x: -geometry.width / 2, y: -geometry.height / 2, width: geometry.width, height: geometry.height, rx: 6 }),
        s('circle', { class: 'flow-node-dot', cx: -geometry.width / 2 + 12, cy: -5, r: 4 }),
        s('text', { class: 'flow-node-name', x: 6, y: -2, 'text-anchor': 'middle' }, [node.name === BROADCAST ? 'all agents' : node.name]),
        status,
      ]);
      nodeLayer.append(group);
      this.#drawnNodes.set(node.name, { group, status, title });
    }
    svg.append(defs, edgeLayer, nodeLayer, labelLayer);
    this.#svg = svg;
    this.#figure.replaceChildren(svg, this.#textAlternative);
  }

  #describe(edges: readonly FlowEdge[]): void {
    const items = this.#textAlternative.children;
    for (let i = 0; i < edges.length; i++) {
      const text = edgeDescription(edges[i]!);
      const item = items[i];
      if (item) setText(item, text);
      else this.#textAlternative.append(h('li', {}, [text]));
    }
    while (this.#textAlternative.children.length > edges.length) this.#textAlternative.lastElementChild?.remove();
  }
}
