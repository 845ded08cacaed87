// The `agent-orchestrator` ESLint plugin: rules eslint-plugin-security does not have. Only types come from
// eslint here, so importing this module does not load ESLint.
import type { ESLint, Rule } from 'eslint';
import type * as ESTree from 'estree';
import { looksLikeSecretName, looksLikeSecretValue } from '../../../core/security/secretMasking';
import { missingAccessControl, SQL_METHODS as SQL_RUNNERS, sqlText } from './accessControl';
import { factsFromOption, fieldKey, fileFromOption, isUserModel, modelKey, NEEDS_PERSON_MARK } from './codebaseFacts';
import { enclosingHandler, FileRoutes, situationOf, userReferencePattern, type RequestBinding } from './routeContext';
import { hardcodedSecretRule } from './secrets/hardcodedSecretRule';
import { renderLocalsRule, templateEscapingRule } from './templates/templateCodeRules';
import { knexChainOf } from './taint/sinks';
import { TAINT_RULES } from './taint/taintRules';

// Re-exported: the rule and the masking of recorded output share one definition of a secret.
export { looksLikeSecretName, looksLikeSecretValue };

export const DEFAULT_TENANT_KEYS: readonly string[] = ['organizationId', 'orgId', 'tenantId'];

// Queries are recognised by shape, not by method name: prisma-like `db.<model>.<findFirst|findMany|update|
// delete|count|upsert|...>({ where })` and any other `fn({ where })` (TypeORM, Sequelize) share it.

// ---------------------------------------------------------------------------------------------------------
// Small AST helpers. TypeScript-only nodes (TSAsExpression, type annotations) are not in the ESTree types, so
// they are read through `unknown` and narrowed.

interface LooseNode {
  type: string;
}

function isLooseNode(value: unknown): value is LooseNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

/** Strips type-only wrappers (`x as T`, `x satisfies T`, `x!`, `<T>x`) so the real expression is inspected. */
function unwrap(node: ESTree.Node): ESTree.Node {
  let current: unknown = node;
  while (
    isLooseNode(current) &&
    (current.type === 'TSAsExpression' || current.type === 'TSSatisfiesExpression' || current.type === 'TSNonNullExpression' || current.type === 'TSTypeAssertion')
  ) {
    current = field(current, 'expression');
  }
  return current as ESTree.Node;
}

function propertyKeyName(property: ESTree.Property | ESTree.PropertyDefinition | ESTree.MethodDefinition): string | undefined {
  const key = property.key;
  if (!property.computed && key.type === 'Identifier') return key.name;
  if (key.type === 'Literal' && typeof key.value === 'string') return key.value;
  return undefined;
}

function memberName(node: ESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return undefined;
}


// ---------------------------------------------------------------------------------------------------------
// missing-tenant-filter
//
// Applies only where the codebase has a tenant concept (a model, schema or migration declares the tenant field) and
// only to handlers that run after authentication; never to public endpoints (login, registration, password reset):
// there, inserting `organizationId: req.user.organizationId` reads a `req.user` that does not exist. The fix is
// offered only when it is provably right: the caller's user is established on that route and the queried model has
// the field. Otherwise the finding says why it needs a model or a person.

function primaryKeyOf(keys: readonly string[]): string {
  return keys[0] ?? 'organizationId';
}

/** The expression that yields the caller's tenant key in a handler of this style. */
function tenantExpression(binding: RequestBinding, key: string): string {
  if (binding.style === 'trpc') return `${binding.name}.session.${key}`;
  if (binding.style === 'koa') return `${binding.name}.state.user.${key}`;
  return `${binding.name}.user.${key}`;
}

/** The prefix of `tenantExpression` whose presence in the handler shows the caller's user is there. */
function userPrefix(binding: RequestBinding): RegExp {
  const name = binding.name.replace(/[$]/g, '\\$');
  if (binding.style === 'trpc') return new RegExp(`\\b${name}\\.session\\b`);
  if (binding.style === 'koa') return new RegExp(`\\b${name}\\.state\\.user\\b`);
  return new RegExp(`\\b${name}\\.user\\b`);
}

/** True when the where-filter mentions a tenant key anywhere: as a property name (`organizationId: x`, also
 * inside AND/OR or relation filters) or as the value compared (`id: req.user.organizationId`). */
function mentionsTenantKey(node: unknown, tenantKeys: ReadonlySet<string>, depth = 0): boolean {
  if (depth > 12 || typeof node !== 'object' || node === null) return false;
  if (Array.isArray(node)) return node.some((item) => mentionsTenantKey(item, tenantKeys, depth + 1));
  if (!isLooseNode(node)) return false;
  const estree = node as ESTree.Node;
  if (estree.type === 'Identifier') return tenantKeys.has(estree.name);
  if (estree.type === 'MemberExpression') {
    const name = memberName(estree);
    return (name !== undefined && tenantKeys.has(name)) || mentionsTenantKey(estree.object, tenantKeys, depth + 1);
  }
  if (estree.type === 'Property') {
    const name = propertyKeyName(estree);
    return (name !== undefined && tenantKeys.has(name)) || mentionsTenantKey(estree.value, tenantKeys, depth + 1);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'parent' || key === 'loc' || key === 'range') continue;
    if (typeof value === 'object' && value !== null && mentionsTenantKey(value, tenantKeys, depth + 1)) return true;
  }
  return false;
}

/** `db.user.findFirst` → { model: 'user', method: 'findFirst' }; `repo.find` → { model: 'repo', method: 'find' }. */
function describeCallee(callee: ESTree.Node): { model: string; method: string } | undefined {
  if (callee.type === 'Identifier') return { model: 'query', method: callee.name };
  if (callee.type !== 'MemberExpression') return undefined;
  const method = memberName(callee);
  if (method === undefined) return undefined;
  const object = callee.object;
  let model = 'query';
  if (object.type === 'MemberExpression') model = memberName(object) ?? model;
  else if (object.type === 'Identifier') model = object.name;
  return { model, method };
}

/** TypeORM repository methods whose first argument is the where filter (`repo.findOneBy({ id })`). */
const TYPEORM_WHERE_ARGUMENT = new Set(['findOneBy', 'findBy', 'findOneByOrFail', 'countBy', 'existsBy', 'findAndCountBy']);

/** Filtering methods of knex (and alike) whose chain then reads or changes the rows it selects. */
const BUILDER_FILTERS = new Set(['where', 'andWhere', 'whereIn']);

/** The outermost call of a knex chain that selects rows by a condition (`db('rooms').where({ id }).update(...)`):
 * one candidate per chain, named by the table and the chain's last method. */
function knexCandidate(node: ESTree.CallExpression): { table: string; method: string; conditions: ESTree.Node[] } | undefined {
  const parent = (node as ESTree.Node & { parent?: ESTree.Node }).parent;
  if (parent?.type === 'MemberExpression' && parent.object === node) return undefined;
  const chain = knexChainOf(node);
  if (!chain) return undefined;
  const filters = chain.links.filter((link) => link.callee.type === 'MemberExpression' && BUILDER_FILTERS.has(memberName(link.callee) ?? ''));
  if (filters.length === 0) return undefined;
  // The values compared: an object's property values, or the value of `where('id', value)`.
  const conditions = filters.flatMap((link) => {
    const first = link.arguments[0] ? unwrap(link.arguments[0] as ESTree.Node) : undefined;
    if (first?.type === 'ObjectExpression') return first.properties.map((p) => (p.type === 'Property' ? (p.value as ESTree.Node) : p.argument));
    return link.arguments.slice(1) as ESTree.Node[];
  });
  return { table: chain.table, method: chain.methods[0] ?? 'where', conditions };
}

/** A condition value read from a record the handler already holds (`room.id` of a room it loaded), or a constant:
 * the rows it selects are as scoped as that record, so the chain does not pick rows by what the client sent. */
function fromHeldRecord(value: ESTree.Node, requestName: string): boolean {
  let inner = unwrap(value);
  if (inner.type === 'Literal') return true;
  if (inner.type !== 'MemberExpression') return false;
  while (inner.type === 'MemberExpression') inner = unwrap(inner.object);
  return inner.type === 'Identifier' && inner.name !== requestName;
}

const missingTenantFilter: Rule.RuleModule = {
  meta: {
    type: 'problem',
    fixable: 'code',
    docs: { description: 'Data queries in request handlers must filter by the caller\'s tenant (organizationId).' },
    schema: [
      {
        type: 'object',
        properties: { tenantKeys: { type: 'array', items: { type: 'string' }, minItems: 1 }, facts: { type: 'object' }, file: { type: 'string' } },
        additionalProperties: false,
      },
    ],
    messages: {
      missing: 'Missing {{key}} validation: {{model}}.{{method}} in a request handler has no {{key}} filter',
      missingManual: `Missing {{key}} validation: {{model}}.{{method}} in a request handler has no {{key}} filter${NEEDS_PERSON_MARK}{{reason}}`,
      unverifiable:
        `Cannot verify {{key}} validation: {{model}}.{{method}} in a request handler builds its where filter outside the call, so tenant isolation is unchecked${NEEDS_PERSON_MARK}the filter is not written in the call`,
    },
  },
  create(context) {
    const option: unknown = context.options[0];
    const configured = field(option, 'tenantKeys');
    const keys = Array.isArray(configured) && configured.every((k): k is string => typeof k === 'string') && configured.length > 0
      ? configured
      : [...DEFAULT_TENANT_KEYS];
    const facts = factsFromOption(option);
    // No model, schema or migration has a tenant field: there is no tenant to filter by.
    const declared = keys.filter((key) => facts.tenantKeys.some((found) => fieldKey(found) === fieldKey(key)));
    if (declared.length === 0) return {};
    const tenantKeys = new Set(keys);
    const sourceCode = context.sourceCode;
    const file = fileFromOption(option, context.filename);
    const routes = new FileRoutes();
    const sqlCandidates: { node: ESTree.CallExpression; table: string; method: string; fn: ESTree.Function; binding: RequestBinding; builder?: boolean }[] = [];
    const candidates: { node: ESTree.CallExpression; whereValue: ESTree.Node; described: { model: string; method: string }; fn: ESTree.Function; binding: RequestBinding }[] = [];

    return {
      CallExpression(node) {
        routes.collect(node);
        const described = describeCallee(node.callee);
        if (!described) return;
        const knex = knexCandidate(node);
        if (knex) {
          // A knex chain on a table with the tenant column whose conditions never name it.
          const fields = facts.models[modelKey(knex.table)];
          if (!fields || !declared.some((k) => fields.includes(fieldKey(k)))) return;
          const handler = enclosingHandler(node, sourceCode);
          if (!handler || handler.binding.name === '\u0000') return;
          if (knex.conditions.every((value) => fromHeldRecord(value, handler.binding.name))) return;
          // A chain kept in a variable (`const q = db('rooms').where(...)`) may get its tenant condition later.
          const holder = (node as ESTree.Node & { parent?: ESTree.Node }).parent;
          const kept = holder?.type === 'VariableDeclarator' || holder?.type === 'AssignmentExpression';
          const words = new Set([...sourceCode.getText(kept ? handler.fn : node).matchAll(/\w+/g)].map((w) => fieldKey(w[0])));
          if (declared.some((k) => words.has(fieldKey(k)))) return;
          sqlCandidates.push({ node, table: knex.table, method: knex.method, fn: handler.fn, binding: handler.binding, builder: true });
          return;
        }
        const firstArg = node.arguments[0];
        if (!firstArg || firstArg.type === 'SpreadElement') return;
        if (SQL_RUNNERS.has(described.method)) {
          // SQL text on a table with the tenant column, that never names the column: reported, fixed by hand.
          const sql = sqlText(firstArg, sourceCode);
          const table = sql !== undefined && /^\s*(select|update|delete|with)\b/i.test(sql) ? /\b(?:from|update)\s+[`"[]?(?:\w+\.)?(\w+)/i.exec(sql)?.[1] : undefined;
          const fields = table !== undefined ? facts.models[modelKey(table)] : undefined;
          if (!sql || !table || !fields || !declared.some((k) => fields.includes(fieldKey(k)))) return;
          const words = new Set([...sql.matchAll(/\w+/g)].map((w) => fieldKey(w[0])));
          if (declared.some((k) => words.has(fieldKey(k)))) return;
          const handler = enclosingHandler(node, sourceCode);
          if (!handler || handler.binding.name === '\u0000') return;
          sqlCandidates.push({ node, table, method: described.method, fn: handler.fn, binding: handler.binding });
          return;
        }
        const argument = unwrap(firstArg);
        if (argument.type !== 'ObjectExpression') return;
        const whereProperty = argument.properties.find(
          (p): p is ESTree.Property => p.type === 'Property' && propertyKeyName(p) === 'where',
        );
        // Only calls with a `where` filter are checked: prisma-shaped calls and any other `fn({ where })`, and
        // TypeORM's `findOneBy({ id })` family, whose argument is the where filter itself.
        // (on a model known to have a tenant column: the short method names are not TypeORM's alone).
        const filterIsArgument = TYPEORM_WHERE_ARGUMENT.has(described.method) && declared.some((k) => (facts.models[modelKey(described.model)] ?? []).includes(fieldKey(k)));
        if (!whereProperty && !filterIsArgument) return;
        const handler = enclosingHandler(node, sourceCode);
        // A NestJS handler without a request object (only `@Param()`/`@Body()`) is checked on TypeORM calls, by hand.
        if (!handler || (handler.binding.name === '\u0000' && !filterIsArgument)) return;
        const whereValue = whereProperty ? unwrap(whereProperty.value as ESTree.Node) : argument;
        if (mentionsTenantKey(whereValue, tenantKeys)) return;
        candidates.push({ node, whereValue, described, fn: handler.fn, binding: handler.binding });
      },
      'Program:exit'() {
        for (const { node, table, method, fn, binding, builder } of sqlCandidates) {
          const situation = situationOf(fn, binding, file, routes, facts, sourceCode);
          if (situation.publicEndpoint || (!situation.behindAuthentication && !situation.usesUser)) continue;
          // The caller's own user row (UPDATE users ... WHERE id = <the caller's id>) is theirs whatever the tenant.
          if (isUserModel(modelKey(table)) && node.arguments.slice(1).some((a) => userReferencePattern(binding).test(sourceCode.getText(a)))) continue;
          const fields = facts.models[modelKey(table)] ?? [];
          const key = declared.find((k) => fields.includes(fieldKey(k))) ?? primaryKeyOf(declared);
          const reason = builder ? `the query is a query-builder chain: add a ${key} condition to its where() by hand` : `the query is SQL text: add the ${key} condition and its parameter by hand`;
          context.report({ node: node.callee, messageId: 'missingManual', data: { key, model: table, method, reason } });
        }
        for (const { node, whereValue, described, fn, binding } of candidates) {
          const situation = situationOf(fn, binding, file, routes, facts, sourceCode);
          if (situation.publicEndpoint) continue;
          if (!situation.behindAuthentication && !situation.usesUser) continue;
          const fields = facts.models[modelKey(described.model)];
          const key = fields ? declared.find((k) => fields.includes(fieldKey(k))) : declared[0];
          // The model is known and has no tenant field (a global table such as users or plans): nothing to filter.
          if (key === undefined) continue;
          const data = { key, model: described.model, method: described.method };

          const hasSpread = whereValue.type === 'ObjectExpression' && whereValue.properties.some((p) => p.type === 'SpreadElement');
          if (whereValue.type !== 'ObjectExpression' || hasSpread) {
            context.report({ node: node.callee, messageId: 'unverifiable', data });
            continue;
          }
          const handlerText = sourceCode.getText(fn);
          // Express-style: an authentication middleware is known to set req.user; tRPC's protected procedures and
          // Koa's auth middleware put the user in ctx.
          const userEstablished = userPrefix(binding).test(handlerText) || (situation.behindAuthentication && (binding.style !== 'req' || facts.requestUser));
          const blocker = binding.name === '\u0000'
            ? `the handler receives no request object: pass the caller's ${key} (from the authenticated user) into the filter by hand`
            : !fields
            ? `no model, schema or migration for "${described.model}" was found, so whether it has the ${key} column is unknown`
            : !userEstablished
              ? `nothing on this route establishes ${tenantExpression(binding, key).replace(/\.[^.]+$/, '')} (no authentication middleware that sets it, and the handler does not use it)`
              : undefined;
          if (blocker !== undefined) {
            context.report({ node: node.callee, messageId: 'missingManual', data: { ...data, reason: blocker } });
            continue;
          }
          const tenantProperty = `${key}: ${tenantExpression(binding, key)}`;
          // Reported at the query (`db.user.findFirst`), which is what a reader looks for.
          context.report({
            node: node.callee,
            messageId: 'missing',
            data,
            fix(fixer) {
              const first = whereValue.properties[0];
              if (!first) return fixer.replaceText(whereValue, `{ ${tenantProperty} }`);
              const openBrace = sourceCode.getFirstToken(whereValue);
              const firstToken = sourceCode.getFirstToken(first);
              if (openBrace && firstToken && openBrace.loc.end.line !== firstToken.loc.start.line) {
                // Multi-line object: put the new key on its own line with the same indentation.
                const lineText = sourceCode.lines[firstToken.loc.start.line - 1] ?? '';
                const indent = /^\s*/.exec(lineText)?.[0] ?? '';
                return fixer.insertTextBefore(first, `${tenantProperty},\n${indent}`);
              }
              return fixer.insertTextBefore(first, `${tenantProperty}, `);
            },
          });
        }
      },
    };
  },
};


export const LOCAL_PLUGIN_NAME = 'agent-orchestrator';

export const agentOrchestratorPlugin: ESLint.Plugin = {
  meta: { name: 'eslint-plugin-agent-orchestrator', version: '0.1.0' },
  rules: {
    'missing-tenant-filter': missingTenantFilter,
    'missing-access-control': missingAccessControl,
    'hardcoded-secret': hardcodedSecretRule,
    'template-escaping-off': templateEscapingRule,
    'render-locals': renderLocalsRule,
    // Source-to-sink rules, one per class (sql-injection, xss, ssrf, ...): see ./taint.
    ...TAINT_RULES,
  },
};
