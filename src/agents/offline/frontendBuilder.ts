import type { AgentContext, AgentOutcome, AgentRuntime } from '../../core/orchestrator/agentRuntime';
import { severityRank, type Finding } from '../../core/protocol/findings';
import { AgentCapabilities } from '../../core/protocol/messages';
import { checkMarkup, checkScript, FRONTEND_AGENT } from './analysis/frontendChecks';
import { parseJavaScript } from './analysis/javascriptAst';
import { isTestFile, readReviewedFiles } from './sourceFiles';

const SCRIPT_EXTENSIONS = ['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts'];
const MARKUP_EXTENSIONS = ['.vue', '.html', '.htm'];

/**
 * Offline frontend builder: reviews the workspace's components (JSX/TSX, Vue, HTML) for accessibility problems and
 * for HTML rendered from values that are not constant. Building new UI needs a model; offline it reports what to fix.
 */
export class FrontendBuilderAgent implements AgentRuntime {
  readonly name = FRONTEND_AGENT;
  readonly capabilities = [AgentCapabilities.FRONTEND_DEVELOPMENT];

  async run(context: AgentContext): Promise<AgentOutcome> {
    const { files, skipped } = await context.useTool(
      'Glob',
      { patterns: ['**/*.{jsx,tsx,vue,html,htm,js,ts}'] },
      () => readReviewedFiles(context.workspace, [...SCRIPT_EXTENSIONS, ...MARKUP_EXTENSIONS], context.signal),
      (read) => `${read.files.length} files${read.skipped.length > 0 ? `, ${read.skipped.length} skipped` : ''}`,
    );
    let components = 0;
    const findings = await context.useTool('Analyze', { checks: ['img-alt', 'click-without-keyboard', 'input-label', 'html-lang', 'unsafe-html'] }, async () => {
      const found: Finding[] = [];
      for (const { file, text } of files) {
        context.signal.throwIfAborted();
        if (isTestFile(file)) continue;
        if (MARKUP_EXTENSIONS.some((extension) => file.endsWith(extension))) {
          components++;
          found.push(...checkMarkup(file, text, (code) => parseJavaScript(code, file.endsWith('.vue') && /lang=["']ts/.test(text) ? 'script.ts' : 'script.js')));
          continue;
        }
        const root = parseJavaScript(text, file);
        if (!root) continue;
        if (/\.[jt]sx$/.test(file) || /<[a-z][\w-]*[\s/>]/.test(text)) components++;
        found.push(...checkScript(file, root));
      }
      return found.sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || a.file.localeCompare(b.file) || a.line - b.line);
    }, (found) => `${found.length} findings`);
    for (const finding of findings) {
      context.signal.throwIfAborted();
      await context.reportFinding(finding);
    }
    const byRule = new Map<string, number>();
    for (const finding of findings) byRule.set(finding.ruleId, (byRule.get(finding.ruleId) ?? 0) + 1);
    const notRead = skipped.length > 0 ? ` (${skipped.length} not read: ${skipped.slice(0, 3).map((s) => `${s.file}, ${s.reason}`).join('; ')}${skipped.length > 3 ? '; …' : ''})` : '';
    const summary = components === 0
      ? `No components or pages found in ${files.length} files${notRead}`
      : findings.length === 0
        ? `Reviewed ${components} component file(s)${notRead}: no accessibility or unsafe-HTML problems`
        : `Reviewed ${components} component file(s)${notRead}: ${[...byRule].map(([rule, n]) => `${n} ${rule.replace('frontend/', '')}`).join(', ')}`;
    return {
      summary,
      filesRead: files.map((f) => f.file),
      recommendations: [...new Set(findings.map((f) => f.recommendation))].slice(0, 10),
      securityIssues: [...new Set(findings.map((f) => f.ruleId))],
    };
  }
}
