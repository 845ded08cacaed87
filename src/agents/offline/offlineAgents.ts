import type { AgentRuntime } from '../../core/orchestrator/agentRuntime';
import { BackendApiDeveloperAgent } from './backendApiDeveloper';
import { DocsWriterAgent } from './docsWriter';
import { SecurityAuditorAgent } from './securityAuditor';
import { TestSuiteDeveloperAgent } from './testSuiteDeveloper';

/** The built-in agents that work with no model. */
export function createOfflineAgents(): AgentRuntime[] {
  return [new SecurityAuditorAgent(), new BackendApiDeveloperAgent(), new TestSuiteDeveloperAgent(), new DocsWriterAgent()];
}
