import type { AgentContext, AgentOutcome, AgentRuntime } from '../../core/orchestrator/agentRuntime';
import { severityRank, type Finding } from '../../core/protocol/findings';
import { AgentCapabilities } from '../../core/protocol/messages';
import {
  columnsFilteredIn, DATABASE_AGENT, emptySchema, findMissingIndexes, findQueriesInLoops, findSelectStar, readCodeSchema, readPrismaSchema, readSqlSchema,
  type ColumnUse,
} from './analysis/databaseChecks';
import { parseJavaScript, type AstNode } from './analysis/javascriptAst';
import { isTestFile, readReviewedFiles } from './sourceFiles';

const CODE_EXTENSIONS = ['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts'];

/**
 * Offline database optimizer: reads the schema (Prisma, SQL migrations, knex, Sequelize, Mongoose) and the code
 * that queries it, and reports queries run once per loop item, filtered or sorted columns with no index, and
 * SELECT * reading whole tables. It proposes no edits: an index or a batched query needs a person's judgement.
 */
export class DatabaseOptimizerAgent implements AgentRuntime {
  readonly name = DATABASE_AGENT;
  readonly capabilities = [AgentCapabilities.DATABASE_OPTIMIZATION];

  async run(context: AgentContext): Promise<AgentOutcome> {
    const { files, skipped } = await context.useTool(
      'Glob',
      { patterns: ['**/*.prisma', '**/*.sql', '**/*.{js,ts,jsx,tsx,mjs,cjs}'] },
      () => readReviewedFiles(context.workspace, [...CODE_EXTENSIONS, '.prisma', '.sql'], context.signal),
      (read) => `${read.files.length} files${read.skipped.length > 0 ? `, ${read.skipped.length} skipped` : ''}`,
    );
    const schema = emptySchema();
    const trees: { file: string; root: AstNode }[] = [];
    const findings = await context.useTool('Analyze', { checks: ['query-in-loop', 'missing-index', 'select-star'] }, async () => {
      for (const { file, text } of files) {
        context.signal.throwIfAborted();
        if (file.endsWith('.prisma')) readPrismaSchema(file, text, schema);
        else if (file.endsWith('.sql')) readSqlSchema(file, text, schema);
        else {
          const root = parseJavaScript(text, file);
          if (!root) continue;
          readCodeSchema(file, root, schema);
          trees.push({ file, root });
        }
      }
      const found: Finding[] = [];
      const uses: ColumnUse[] = [];
      for (const { file, root } of trees) {
        if (isTestFile(file)) continue;
        found.push(...findQueriesInLoops(file, root), ...findSelectStar(file, root, schema));
        uses.push(...columnsFilteredIn(file, root));
      }
      found.push(...findMissingIndexes(schema, uses));
      return found.sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || a.file.localeCompare(b.file) || a.line - b.line);
    }, (found) => `${found.length} findings; ${schema.columns.length} schema columns known`);
    for (const finding of findings) {
      context.signal.throwIfAborted();
      await context.reportFinding(finding);
    }
    const count = (rule: string): number => findings.filter((f) => f.ruleId === `database/${rule}`).length;
    const hasDataLayer = schema.columns.length > 0 || findings.length > 0;
    const notRead = skipped.length > 0 ? ` (${skipped.length} not read: ${skipped.slice(0, 3).map((s) => `${s.file}, ${s.reason}`).join('; ')}${skipped.length > 3 ? '; …' : ''})` : '';
    const summary = !hasDataLayer
      ? `No schema, migrations or queries found in ${files.length} files${notRead}`
      : findings.length === 0
        ? `Reviewed ${files.length} files (${schema.columns.length} schema columns)${notRead}: no N+1 queries, missing indexes or unbounded SELECT *`
        : `Reviewed ${files.length} files (${schema.columns.length} schema columns)${notRead}: ${count('query-in-loop')} queries in loops (N+1), ${count('missing-index')} missing indexes, ${count('select-star')} unbounded SELECT *`;
    return {
      summary,
      filesRead: files.map((f) => f.file),
      recommendations: [...new Set(findings.map((f) => f.recommendation))].slice(0, 10),
      securityIssues: [...new Set(findings.map((f) => f.ruleId))],
    };
  }
}
