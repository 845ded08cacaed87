// What the CLI's commands need beyond parsing arguments: the engine (agents, ESLint, the TypeScript parser), the
// store (sql.js), the MCP server and the renderers. The entry (main.ts) requires this module on first use; the build
// makes it a file of its own (dist/cliEngine.js), so `--help` never compiles it.
export { default as cliProgress } from 'cli-progress';
export { OFFLINE_MODELS, openWorkspaceEngine, type WorkspaceEngine } from '../agents/workspaceEngine';
export { createModelResolver } from '../models/modelResolver';
export { TtyApprovalGate } from './ttyApprovalGate';
export { replaySession, ReplayUnavailableError, type ReplayOutcome } from './replay';
export { OrchestratorService } from '../mcp/orchestratorService';
export { serveHttp, serveStdio } from '../mcp/transports';
export { formatUsageEstimate } from '../core/logging/format';
export { describeEvent, modelUsageSummaryLines, progressStatus, scanCoverageSummaryLines } from './terminalReporter';
export { defaultDashboardFile, readDashboardAssets, renderStandaloneDashboard, writeStandaloneDashboard } from './standaloneDashboard';
export { buildExecutionReport, renderReportMarkdown } from '../core/logging/executionReport';
export { renderMarkdownLog } from '../core/logging/markdownLog';
export { applyEvent, createRunState, foldEvents } from '../core/logging/runState';
export { changeHeading, renderTerminalDiff } from './terminalReporter';
export { UnknownChangeError } from '../core/review/changeReview';
export { applyReviewedChanges, reviewChanges, ReviewUnavailableError } from '../agents/review/reviewedChanges';
export { SessionStore, storeDirFor } from '../core/store/sessionStore';
export { mergeLearnings } from '../agents/memory/memoryServerLearnings';
export { startFindingsLanguageServer } from '../lsp/findingsLanguageServer';
