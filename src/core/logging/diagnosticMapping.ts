// How a finding becomes a diagnostic in the Problems panel: severity, message and 0-based range. Free of `vscode`:
// the language server (src/lsp) maps findings with it for every editor, VS Code included.
import { diagnosticMessage } from './findingPresentation';
import type { Finding, Severity } from '../protocol/findings';

export type DiagnosticLevel = 'error' | 'warning' | 'information' | 'hint';

export const DIAGNOSTIC_SOURCE = 'Agent Orchestrator';

const LEVELS: Record<Severity, DiagnosticLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'information',
  info: 'hint',
};

export function diagnosticLevelOf(severity: Severity): DiagnosticLevel {
  return LEVELS[severity];
}

/** The text of the diagnostic: what was found, and what to do about it when the agent said. */
export function diagnosticMessageOf(finding: Pick<Finding, 'message' | 'recommendation'> & Partial<Pick<Finding, 'fixable' | 'manualFixReason' | 'inTest'>>): string {
  return diagnosticMessage({ fixable: false, ...finding });
}

export interface ZeroBasedRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  /** 'endOfLine' when the finding has no end: the range runs to the end of its start line. */
  endCharacter: number | 'endOfLine';
}

/** Findings are 1-based (line and column); editor ranges are 0-based. An end before the start is ignored. */
export function findingRange(finding: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>): ZeroBasedRange {
  const startLine = finding.line - 1;
  const startCharacter = finding.column - 1;
  if (finding.endLine !== undefined && finding.endColumn !== undefined) {
    const endLine = finding.endLine - 1;
    const endCharacter = finding.endColumn - 1;
    if (endLine > startLine || (endLine === startLine && endCharacter > startCharacter)) {
      return { startLine, startCharacter, endLine, endCharacter };
    }
  }
  return { startLine, startCharacter, endLine: startLine, endCharacter: 'endOfLine' };
}
