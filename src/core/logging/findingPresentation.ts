// What the VS Code trees and the dashboard say about a finding beyond its message (in a test? can it be fixed
// mechanically, or does it need a model or a person, and why?) and about what a scan covered (files left out by
// reason, files that did not parse). Plain text only, built once here so the sidebar tooltips and the webview read
// alike; each view inserts it as text (a tooltip string, a DOM text node), never as Markdown or HTML.
import type { Finding, ScanCoverage } from '../protocol/findings';
import { plural } from './format';

/** Workspace text (paths, parser messages, rule reasons) with control characters and line breaks made harmless. */
export function plainLine(value: string, max = 300): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const line = value.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** "automatic", or "needs a model or a person: <why>". */
export function findingFixText(finding: Pick<Finding, 'fixable' | 'manualFixReason'>): string {
  if (finding.fixable) return 'automatic';
  return finding.manualFixReason ? `needs a model or a person: ${plainLine(finding.manualFixReason)}` : 'needs a model or a person';
}

/** "high agent-orchestrator/sql-injection at src/db.js:12", with "(in a test)" for test code. */
export function findingLabel(finding: Pick<Finding, 'severity' | 'ruleId' | 'file' | 'line' | 'inTest'>): string {
  return `${finding.severity} ${plainLine(finding.ruleId, 80)} at ${plainLine(finding.file, 200)}:${finding.line}${finding.inTest ? ' (in a test)' : ''}`;
}

/** The lines of a finding's tooltip: where, what, how to fix, and whether it is in test code. */
export function findingTooltipLines(finding: Pick<Finding, 'severity' | 'ruleId' | 'file' | 'line' | 'column' | 'message' | 'recommendation' | 'fixable' | 'manualFixReason' | 'inTest'>): string[] {
  const lines = [`${finding.severity} · ${plainLine(finding.ruleId, 80)}`, `${plainLine(finding.file, 200)}:${finding.line}:${finding.column}`, plainLine(finding.message, 600)];
  if (finding.recommendation) lines.push(`Recommendation: ${plainLine(finding.recommendation, 400)}`);
  lines.push(`Fix: ${findingFixText(finding)}`);
  if (finding.inTest) lines.push('In a test: test code does not run in production, so it is reported apart at a lower severity.');
  return lines;
}

/** One line per part of a scan's coverage: files scanned, each reason files were left out, each parse failure. */
export function scanCoverageLines(coverage: ScanCoverage, options: { maxPaths?: number; maxParseErrors?: number } = {}): string[] {
  const maxPaths = options.maxPaths ?? 3;
  const maxParseErrors = options.maxParseErrors ?? 10;
  const lines = [`Scanned ${plural(coverage.filesScanned, 'file')}`];
  for (const skipped of coverage.skipped) {
    const shown = skipped.paths.slice(0, maxPaths).map((p) => plainLine(p, 120));
    const more = skipped.count - shown.length;
    const where = shown.length > 0 ? ` (${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''})` : '';
    lines.push(`Not scanned, ${skipped.category}: ${skipped.count}, ${plainLine(skipped.reason, 200)}${where}`);
  }
  if (coverage.parseErrors.length > 0) {
    lines.push(`Could not parse ${plural(coverage.parseErrors.length, 'file')} (not checked):`);
    for (const error of coverage.parseErrors.slice(0, maxParseErrors)) lines.push(`  ${plainLine(error.file, 200)}: ${plainLine(error.message, 200)}`);
    if (coverage.parseErrors.length > maxParseErrors) lines.push(`  and ${coverage.parseErrors.length - maxParseErrors} more`);
  }
  if (coverage.findingsInTests > 0) lines.push(`${plural(coverage.findingsInTests, 'finding')} in tests, reported apart at a lower severity`);
  return lines;
}

/** "110 files scanned · 3 skipped · 1 did not parse": the coverage in one line, for a description. */
export function scanCoverageSummary(coverage: ScanCoverage): string {
  const skipped = coverage.skipped.reduce((sum, entry) => sum + entry.count, 0);
  const parts = [`${plural(coverage.filesScanned, 'file')} scanned`];
  if (skipped > 0) parts.push(`${skipped} skipped`);
  if (coverage.parseErrors.length > 0) parts.push(`${coverage.parseErrors.length} did not parse`);
  return parts.join(' · ');
}

/** A finding as the Problems panel shows it: the message, then the recommendation, why no mechanical fix is offered
 * (when one is not), and whether it is in test code. */
export function diagnosticMessage(finding: Pick<Finding, 'message' | 'recommendation' | 'fixable' | 'manualFixReason' | 'inTest'>): string {
  const lines = [finding.message];
  if (finding.recommendation) lines.push(`Fix: ${finding.recommendation}`);
  if (!finding.fixable && finding.manualFixReason) lines.push(`Needs a model or a person: ${plainLine(finding.manualFixReason)}`);
  if (finding.inTest) lines.push('In a test: reported apart, at a lower severity.');
  return lines.join('\n');
}
