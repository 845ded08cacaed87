/*
 * Learnings as a knowledge graph, in the shape of the reference MCP memory server (entities with observations,
 * relations in active voice), and back. Pure: no I/O, so the mapping is tested on its own.
 *
 *   entity agent-orchestrator:agent:<agent>          (agent)      one observation per execution, with its session id
 *   entity agent-orchestrator:task-type:<type>       (task_type)
 *   entity agent-orchestrator:pitfall:<agent>:<key>  (pitfall)    the issue, and each session it was seen in
 *   entity agent-orchestrator:pattern:<id>           (pattern)    what was learned, its support and confidence
 *   relations: agent performs task-type, agent ran_into pitfall, pattern learned_from agent
 *
 * Every write is idempotent on the reference server (existing entities, observations and relations are skipped),
 * so writing the same record twice (a retry, a backfill) changes nothing.
 */
import { createHash } from 'node:crypto';
import type { LearnedPattern, LearningRecord } from '../../core/protocol/learning';

export const ENTITY_PREFIX = 'agent-orchestrator:';

export interface GraphEntity {
  name: string;
  entityType: string;
  observations: string[];
}

export interface GraphRelation {
  from: string;
  to: string;
  relationType: string;
}

export interface GraphWrite {
  entities: GraphEntity[];
  relations: GraphRelation[];
}

export const agentEntity = (agent: string): string => `${ENTITY_PREFIX}agent:${agent}`;
const taskTypeEntity = (taskType: string): string => `${ENTITY_PREFIX}task-type:${taskType}`;
const patternEntity = (id: string): string => `${ENTITY_PREFIX}pattern:${id}`;

/** Numbers, paths and hex ids vary between runs of the same problem; the key groups them like the local store does. */
export function normalizeIssue(issue: string): string {
  return issue
    .toLowerCase()
    .replace(/[0-9a-f]{8,}/g, '#')
    .replace(/(?:[a-z]:)?[\\/]?(?:[\w.-]+[\\/])+[\w.-]+/g, '<path>')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

const pitfallEntity = (agent: string, issue: string): string =>
  `${ENTITY_PREFIX}pitfall:${agent}:${createHash('sha256').update(normalizeIssue(issue)).digest('hex').slice(0, 12)}`;

/** The observation that stands for one execution; `parseExecutionObservation` reads it back. */
export function executionObservation(record: LearningRecord): string {
  const tools = record.successPatterns.toolSequence.length > 0 ? `; tools ${record.successPatterns.toolSequence.join(' > ')}` : '';
  const model = record.modelUsage ? `; model ${record.modelUsage.model}` : '';
  return `execution in session ${record.sessionId} at ${new Date(record.timestamp).toISOString()}: task ${record.taskType}, ${record.outcomes.success ? 'succeeded' : 'failed'} in ${Math.round(record.successPatterns.duration)} ms${tools}${model}`;
}

export interface RemoteExecution {
  sessionId: string;
  timestamp: number;
  taskType: string;
  success: boolean;
  durationMs: number;
  toolSequence: string[];
}

const EXECUTION = /^execution in session (\S+) at (\S+): task (\S+), (succeeded|failed) in (\d+) ms(?:; tools ([^;]+))?/;

export function parseExecutionObservation(observation: string): RemoteExecution | null {
  const match = EXECUTION.exec(observation);
  if (!match) return null;
  const timestamp = Date.parse(match[2]!);
  return {
    sessionId: match[1]!,
    timestamp: Number.isFinite(timestamp) ? timestamp : 0,
    taskType: match[3]!,
    success: match[4] === 'succeeded',
    durationMs: Number(match[5]),
    toolSequence: match[6] ? match[6].split(' > ').map((tool) => tool.trim()).filter(Boolean) : [],
  };
}

export function graphForExecution(record: LearningRecord): GraphWrite {
  const agent = agentEntity(record.agent);
  const entities: GraphEntity[] = [
    { name: agent, entityType: 'agent', observations: [executionObservation(record)] },
    { name: taskTypeEntity(record.taskType), entityType: 'task_type', observations: [] },
  ];
  const relations: GraphRelation[] = [{ from: agent, to: taskTypeEntity(record.taskType), relationType: 'performs' }];
  const issues = [...record.failures.errors, ...record.failures.bottlenecks].filter((issue) => issue.trim().length > 0);
  for (const issue of new Set(issues)) {
    const name = pitfallEntity(record.agent, issue);
    entities.push({ name, entityType: 'pitfall', observations: [`issue: ${issue.slice(0, 500)}`, `seen in session ${record.sessionId}`] });
    relations.push({ from: agent, to: name, relationType: 'ran_into' });
  }
  return { entities, relations };
}

export function graphForPattern(pattern: LearnedPattern): GraphWrite {
  const name = patternEntity(pattern.id);
  const observations = [
    `${pattern.type}: ${pattern.name}`,
    `support ${pattern.support}, confidence ${Math.round(pattern.confidence)}%`,
    ...(pattern.sessionId ? [`learned in session ${pattern.sessionId}`] : []),
    ...(pattern.solution ? [`solution: ${pattern.solution.slice(0, 500)}`] : []),
  ];
  const relations = pattern.agent ? [{ from: name, to: agentEntity(pattern.agent), relationType: 'learned_from' }] : [];
  return { entities: [{ name, entityType: 'pattern', observations }], relations };
}

/** Several writes as one: fewer calls to the server, observations of one entity merged. */
export function mergeWrites(writes: readonly GraphWrite[]): GraphWrite {
  const entities = new Map<string, GraphEntity>();
  const relations = new Map<string, GraphRelation>();
  for (const write of writes) {
    for (const entity of write.entities) {
      const existing = entities.get(entity.name);
      if (existing) {
        for (const observation of entity.observations) if (!existing.observations.includes(observation)) existing.observations.push(observation);
      } else {
        entities.set(entity.name, { ...entity, observations: [...entity.observations] });
      }
    }
    for (const relation of write.relations) relations.set(`${relation.from}\u0000${relation.relationType}\u0000${relation.to}`, relation);
  }
  return { entities: [...entities.values()], relations: [...relations.values()] };
}

/** What the server knows about one agent, read from our part of its graph. */
export interface RemoteAgentKnowledge {
  executions: RemoteExecution[];
  pitfalls: { issue: string; sessions: string[] }[];
  patterns: { type: string; name: string; support: number | null; confidence: number | null; sessionId: string | null }[];
}

export function knowledgeForAgent(graph: { entities: GraphEntity[]; relations: GraphRelation[] }, agent: string): RemoteAgentKnowledge {
  const self = agentEntity(agent);
  const byName = new Map(graph.entities.map((entity) => [entity.name, entity]));
  const executions = (byName.get(self)?.observations ?? []).map(parseExecutionObservation).filter((execution): execution is RemoteExecution => execution !== null);
  const pitfalls: RemoteAgentKnowledge['pitfalls'] = [];
  const patterns: RemoteAgentKnowledge['patterns'] = [];
  for (const relation of graph.relations) {
    if (relation.from === self && relation.relationType === 'ran_into') {
      const entity = byName.get(relation.to);
      const issue = entity?.observations.find((o) => o.startsWith('issue: '))?.slice('issue: '.length);
      if (!entity || !issue) continue;
      const sessions = entity.observations.filter((o) => o.startsWith('seen in session ')).map((o) => o.slice('seen in session '.length));
      pitfalls.push({ issue, sessions });
    }
    if (relation.to === self && relation.relationType === 'learned_from') {
      const entity = byName.get(relation.from);
      if (!entity) continue;
      const [typeAndName = ''] = entity.observations;
      const separator = typeAndName.indexOf(': ');
      const stats = /support (\d+), confidence (\d+)%/.exec(entity.observations.find((o) => o.startsWith('support ')) ?? '');
      const session = entity.observations.find((o) => o.startsWith('learned in session '))?.slice('learned in session '.length) ?? null;
      patterns.push({
        type: separator > 0 ? typeAndName.slice(0, separator) : 'pattern',
        name: separator > 0 ? typeAndName.slice(separator + 2) : typeAndName,
        support: stats ? Number(stats[1]) : null,
        confidence: stats ? Number(stats[2]) : null,
        sessionId: session,
      });
    }
  }
  pitfalls.sort((a, b) => b.sessions.length - a.sessions.length);
  return { executions, pitfalls, patterns };
}

/** Session ids the server already holds for each agent (for the backfill). */
export function sessionsByAgent(graph: { entities: GraphEntity[] }): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const entity of graph.entities) {
    if (entity.entityType !== 'agent' || !entity.name.startsWith(`${ENTITY_PREFIX}agent:`)) continue;
    const agent = entity.name.slice(`${ENTITY_PREFIX}agent:`.length);
    const sessions = new Set<string>();
    for (const observation of entity.observations) {
      const execution = parseExecutionObservation(observation);
      if (execution) sessions.add(execution.sessionId);
    }
    result.set(agent, sessions);
  }
  return result;
}
