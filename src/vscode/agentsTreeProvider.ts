// The Agents view: the shown session's agents with status, duration and task; children show the task,
// capabilities, and the files the agent modified.
import * as vscode from 'vscode';
import type { AgentView } from '../core/logging/runState';
import { agentUsageTooltipLines, withUsage } from './agentUsagePresentation';
import { ShownSessionTreeProvider } from './sessionTreeProvider';
import { plainLine, scanCoverageLines, scanCoverageSummary } from '../core/logging/findingPresentation';
import { AGENT_STATUS_ICONS, agentDescription, agentTooltip } from './treePresentation';

export class AgentTreeItem extends vscode.TreeItem {
  constructor(
    readonly agent: AgentView,
    now: number | null,
  ) {
    super(agent.name, vscode.TreeItemCollapsibleState.Collapsed);
    const { icon, color } = AGENT_STATUS_ICONS[agent.status];
    this.id = `agent:${agent.name}`;
    this.description = withUsage(agentDescription(agent, now), agent);
    this.tooltip = [agentTooltip(agent, now), ...agentUsageTooltipLines(agent)].join('\n');
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = `agent-${agent.status}`;
  }
}

export class AgentDetailTreeItem extends vscode.TreeItem {
  constructor(label: string, description: string, icon: string, id: string, command?: vscode.Command, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.description = description;
    this.tooltip = tooltip ?? (description ? `${label}: ${description}` : label);
    this.iconPath = new vscode.ThemeIcon(icon);
    if (command) this.command = command;
  }
}

export type AgentsTreeElement = AgentTreeItem | AgentDetailTreeItem;

export class AgentsTreeProvider extends ShownSessionTreeProvider<AgentsTreeElement> {
  getChildren(element?: AgentsTreeElement): AgentsTreeElement[] {
    const state = this.sessionModel.state;
    if (!state) return [];
    if (!element) return state.agents.map((agent) => new AgentTreeItem(agent, state.lastEventAt));
    if (!(element instanceof AgentTreeItem)) return [];
    const agent = element.agent;
    const prefix = `agent:${agent.name}:`;
    const children: AgentsTreeElement[] = [];
    if (agent.task) children.push(new AgentDetailTreeItem('Task', agent.task, 'tasklist', `${prefix}task`));
    children.push(new AgentDetailTreeItem('Capabilities', agent.capabilities.join(', ') || 'none', 'symbol-property', `${prefix}capabilities`));
    if (agent.skipReason) children.push(new AgentDetailTreeItem('Skipped', agent.skipReason, 'circle-slash', `${prefix}skipped`));
    if (agent.error) children.push(new AgentDetailTreeItem('Error', agent.error, 'error', `${prefix}error`));
    const coverage = agent.scanCoverage;
    if (coverage) {
      const incomplete = coverage.skipped.length > 0 || coverage.parseErrors.length > 0;
      children.push(new AgentDetailTreeItem('Scan coverage', scanCoverageSummary(coverage), incomplete ? 'warning' : 'checklist', `${prefix}coverage`, undefined, scanCoverageLines(coverage, { maxPaths: 10 }).join('\n')));
      for (const error of coverage.parseErrors) {
        children.push(new AgentDetailTreeItem(plainLine(error.file, 200), 'did not parse', 'warning', `${prefix}parse:${error.file}`, {
          command: 'agentOrchestrator.openFinding',
          title: 'Open File',
          arguments: [{ file: error.file, line: 1, column: 1 }],
        }, scanCoverageLines({ ...coverage, skipped: [], findingsInTests: 0, parseErrors: [error] }).slice(1).join('\n')));
      }
    }
    for (const file of agent.filesModified) {
      children.push(new AgentDetailTreeItem(file, 'modified', 'edit', `${prefix}file:${file}`, {
        command: 'agentOrchestrator.openFinding',
        title: 'Open File',
        arguments: [{ file, line: 1, column: 1 }],
      }));
    }
    return children;
  }
}
