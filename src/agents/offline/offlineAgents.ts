import type { AgentRuntime } from '../../core/orchestrator/agentRuntime';
import { BackendApiDeveloperAgent } from './backendApiDeveloper';
import { DatabaseOptimizerAgent } from './databaseOptimizer';
import { DocsWriterAgent } from './docsWriter';
import { FrontendBuilderAgent } from './frontendBuilder';
import { SecurityAuditorAgent } from './securityAuditor';
import { TestSuiteDeveloperAgent } from './testSuiteDeveloper';

/** The built-in agents that work with no model. */
export function createOfflineAgents(): AgentRuntime[] {
  return [new SecurityAuditorAgent(), new DatabaseOptimizerAgent(), new BackendApiDeveloperAgent(), new FrontendBuilderAgent(), new TestSuiteDeveloperAgent(), new DocsWriterAgent()];
}
