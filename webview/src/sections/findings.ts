// What the agents found, most severe first. In VS Code each location is a button that opens the file at the line;
// the standalone file has no editor behind it, so it shows the location as text. A long run can report thousands
// of findings: the table draws the first MAX_ROWS (plus one the host asked to reveal) and says how many are left.
import type { Finding, Severity } from '../../../src/core/protocol/findings';
import type { RunState } from '../../../src/core/logging/runState';
import { findingFixText, scanCoverageLines, scanCoverageSummary } from '../../../src/core/logging/findingPresentation';
import type { HostBridge } from '../hostBridge';
import { h, reconcileList, setText } from '../dom';
import { count } from '../format';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

export const MAX_FINDING_ROWS = 200;
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The findings to draw, most severe first and in report order within a severity, without sorting them all. */
function visibleFindings(state: RunState, max: number, pinnedId: string | null): { shown: Finding[]; bySeverity: Map<Severity, number> } {
  const bySeverity = new Map<Severity, number>();
  for (const finding of state.findings) bySeverity.set(finding.severity, (bySeverity.get(finding.severity) ?? 0) + 1);
  const shown: Finding[] = [];
  for (const severity of SEVERITIES) {
    if (shown.length >= max) break;
    if (!bySeverity.get(severity)) continue;
    for (const finding of state.findings) {
      if (finding.severity !== severity) continue;
      shown.push(finding);
      if (shown.length >= max) break;
    }
  }
  if (pinnedId !== null && !shown.some((finding) => finding.id === pinnedId)) {
    const pinned = state.findings.find((finding) => finding.id === pinnedId);
    if (pinned) shown.push(pinned);
  }
  return { shown, bySeverity };
}

function location(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column}`;
}

export class FindingsView implements SectionView {
  readonly element: HTMLElement;
  readonly #host: HostBridge;
  readonly #tbody = h('tbody');
  readonly #table: HTMLTableElement;
  readonly #empty = emptyNote('No findings reported.');
  readonly #more = h('p', { class: 'more-note' });
  readonly #counts = h('span', { class: 'card-count severity-counts' });
  /** What the scans covered: files left out by reason and files that did not parse, under the table. */
  readonly #coverage = h('div', { class: 'scan-coverage', 'data-testid': 'scan-coverage' });
  #coverageShown: unknown[] = [];
  readonly #rowFinding = new WeakMap<Element, Finding>();
  #pinnedId: string | null = null;

  constructor(host: HostBridge) {
    this.#host = host;
    const { section, body } = card('Findings', { testId: 'findings', className: 'span-all', extra: this.#counts });
    const column = (label: string): HTMLElement => h('th', { scope: 'col' }, [label]);
    this.#table = h('table', { class: 'data-table findings-table' }, [
      h('thead', {}, [h('tr', {}, [column('Severity'), column('Rule'), column('Location'), column('Message'), column('Agent')])]),
      this.#tbody,
    ]);
    body.append(this.#empty, h('div', { class: 'table-scroll' }, [this.#table]), this.#more, this.#coverage);
    this.element = section;
  }

  /** Keeps the finding on screen even beyond the row limit (a tree view asked to reveal it). */
  pin(id: string): void {
    this.#pinnedId = id;
  }

  /** The focusable element of a drawn finding, for reveal. */
  elementFor(id: string): HTMLElement | null {
    for (const row of this.#tbody.children) {
      if (row.getAttribute('data-finding-id') === id) return row.querySelector<HTMLElement>('[data-testid="finding"]');
    }
    return null;
  }

  update({ state }: RenderContext): void {
    this.#updateCoverage(state);
    const { shown, bySeverity } = visibleFindings(state, MAX_FINDING_ROWS, this.#pinnedId);
    const total = state.findings.length;
    this.#empty.hidden = total > 0;
    this.#table.hidden = total === 0;
    setText(
      this.#counts,
      SEVERITIES.filter((severity) => bySeverity.get(severity))
        .map((severity) => `${bySeverity.get(severity)} ${severity}`)
        .join(' · '),
    );
    const hidden = total - shown.length;
    this.#more.hidden = hidden <= 0;
    setText(this.#more, hidden > 0 ? `${count(hidden, 'more finding')} not shown (the ${MAX_FINDING_ROWS} most severe are listed).` : '');
    reconcileList(
      this.#tbody,
      shown,
      (finding) => finding.id,
      (finding) => this.#createRow(finding),
      (row, finding) => {
        // The fold replaces a finding reported again with a new object: redraw that row only.
        if (this.#rowFinding.get(row) !== finding) {
          row.replaceChildren(...this.#cells(finding));
          this.#rowFinding.set(row, finding);
        }
      },
    );
  }

  #updateCoverage(state: RunState): void {
    const scans = state.agents.flatMap((agent) => (agent.scanCoverage ? [{ agent: agent.name, coverage: agent.scanCoverage }] : []));
    const coverages = scans.map((scan) => scan.coverage);
    if (coverages.length === this.#coverageShown.length && coverages.every((coverage, index) => coverage === this.#coverageShown[index])) return;
    this.#coverageShown = coverages;
    this.#coverage.hidden = scans.length === 0;
    this.#coverage.replaceChildren(
      ...scans.map(({ agent, coverage }) => {
        const [, ...details] = scanCoverageLines(coverage, { maxPaths: 5, maxParseErrors: 20 });
        const summary = h('summary', {}, [`Scan coverage (${agent}): ${scanCoverageSummary(coverage)}`]);
        const element = h('details', { class: 'coverage' }, [summary, h('ul', {}, details.map((line) => h('li', {}, [line])))]);
        // Open when something was left out or did not parse: that is what the reader has to know.
        if (coverage.skipped.length > 0 || coverage.parseErrors.length > 0) element.open = true;
        return element;
      }),
    );
  }

  #createRow(finding: Finding): Element {
    const row = h('tr', { 'data-finding-id': finding.id, class: `severity-row severity-${finding.severity}` }, this.#cells(finding));
    this.#rowFinding.set(row, finding);
    return row;
  }

  #cells(finding: Finding): HTMLElement[] {
    const attrs = { 'data-testid': 'finding', 'data-file': finding.file, 'data-line': finding.line, 'data-column': finding.column };
    let target: HTMLElement;
    if (this.#host.mode === 'vscode') {
      target = h('button', { ...attrs, type: 'button', class: 'link-button location', title: `Open ${location(finding)}` }, [location(finding)]);
      target.addEventListener('click', () => this.#host.post({ type: 'openLocation', file: finding.file, line: finding.line, column: finding.column }));
    } else {
      target = h('code', { ...attrs, class: 'location', tabindex: -1 }, [location(finding)]);
    }
    return [
      h('td', {}, [
        h('span', { class: `severity severity-${finding.severity}` }, [finding.severity]),
        finding.inTest ? h('span', { class: 'tag in-test', title: 'Test code does not run in production: reported apart, at a lower severity' }, ['in a test']) : null,
      ]),
      h('td', { class: 'rule' }, [h('code', {}, [finding.ruleId])]),
      h('td', { class: 'location-cell' }, [target]),
      h('td', { class: 'finding-message' }, [
        h('span', { class: 'primary' }, [finding.message]),
        finding.recommendation ? h('span', { class: 'secondary' }, [finding.recommendation]) : null,
        h('span', { class: `secondary fix${finding.fixable ? ' fix-automatic' : ' fix-manual'}` }, [`Fix: ${findingFixText(finding)}`]),
      ]),
      h('td', { class: 'agent' }, [finding.agent ?? '—']),
    ];
  }
}
