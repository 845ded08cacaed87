// The `agent-orchestrator` ESLint plugin: rules eslint-plugin-security does not have. Only types come from
// eslint here, so importing this module does not load ESLint.
import type { ESLint, Rule } from 'eslint';
import type * as ESTree from 'estree';
import { looksLikeSecretName, looksLikeSecretValue } from '../../../core/security/secretMasking';
import { hardcodedSecretRule } from './secrets/hardcodedSecretRule';
import { renderLocalsRule, templateEscapingRule } from './templates/templateCodeRules';
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

function isFunction(node: ESTree.Node): node is ESTree.Function {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

// ---------------------------------------------------------------------------------------------------------
// missing-tenant-filter

interface HandlerContext {
  /** Expression that yields the caller's tenant key, e.g. `req.user.organizationId`. */
  tenantExpression: (key: string) => string;
}

/** Type name of a parameter annotation (`req: Request`, `req: express.Request`), if any. */
function annotationTypeName(param: unknown): string | undefined {
  const typeNode = field(field(param, 'typeAnnotation'), 'typeAnnotation');
  if (!isLooseNode(typeNode) || typeNode.type !== 'TSTypeReference') return undefined;
  const typeName = field(typeNode, 'typeName');
  if (isLooseNode(typeName) && typeName.type === 'Identifier') return String(field(typeName, 'name'));
  if (isLooseNode(typeName) && typeName.type === 'TSQualifiedName') return String(field(field(typeName, 'right'), 'name'));
  return undefined;
}

/** Recognises a request handler by its parameters: `req`/`request`, anything typed `...Request`, or `({ ctx })`. */
function handlerContextOf(fn: ESTree.Function): HandlerContext | undefined {
  for (const rawParam of fn.params) {
    const param = rawParam.type === 'AssignmentPattern' ? rawParam.left : rawParam;
    if (param.type === 'Identifier') {
      const typeName = annotationTypeName(param);
      if (param.name === 'req' || param.name === 'request' || (typeName !== undefined && /Request$/.test(typeName))) {
        const name = param.name;
        return { tenantExpression: (key) => `${name}.user.${key}` };
      }
    }
    if (param.type === 'ObjectPattern') {
      for (const property of param.properties) {
        if (property.type !== 'Property' || propertyKeyName(property) !== 'ctx') continue;
        const value = property.value.type === 'AssignmentPattern' ? property.value.left : property.value;
        if (value.type === 'Identifier') {
          const name = value.name;
          return { tenantExpression: (key) => `${name}.session.${key}` };
        }
      }
    }
  }
  return undefined;
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

const missingTenantFilter: Rule.RuleModule = {
  meta: {
    type: 'problem',
    fixable: 'code',
    docs: { description: 'Data queries in request handlers must filter by the caller\'s tenant (organizationId).' },
    schema: [
      {
        type: 'object',
        properties: { tenantKeys: { type: 'array', items: { type: 'string' }, minItems: 1 } },
        additionalProperties: false,
      },
    ],
    messages: {
      missing: 'Missing {{key}} validation: {{model}}.{{method}} in a request handler has no {{key}} filter',
      unverifiable:
        'Cannot verify {{key}} validation: {{model}}.{{method}} in a request handler builds its where filter outside the call, so tenant isolation is unchecked',
    },
  },
  create(context) {
    const option: unknown = context.options[0];
    const configured = field(option, 'tenantKeys');
    const keys = Array.isArray(configured) && configured.every((k): k is string => typeof k === 'string') && configured.length > 0
      ? configured
      : [...DEFAULT_TENANT_KEYS];
    const tenantKeys = new Set(keys);
    const primaryKey = keys[0] ?? 'organizationId';
    const sourceCode = context.sourceCode;

    return {
      CallExpression(node) {
        const described = describeCallee(node.callee);
        if (!described) return;
        const firstArg = node.arguments[0];
        if (!firstArg || firstArg.type === 'SpreadElement') return;
        const argument = unwrap(firstArg);
        if (argument.type !== 'ObjectExpression') return;
        const whereProperty = argument.properties.find(
          (p): p is ESTree.Property => p.type === 'Property' && propertyKeyName(p) === 'where',
        );
        // Only calls with a `where` filter are checked: prisma-shaped calls and any other `fn({ where })`.
        if (!whereProperty) return;

        const handler = sourceCode
          .getAncestors(node)
          .reverse()
          .filter(isFunction)
          .map(handlerContextOf)
          .find((h): h is HandlerContext => h !== undefined);
        if (!handler) return;

        const whereValue = unwrap(whereProperty.value as ESTree.Node);
        if (mentionsTenantKey(whereValue, tenantKeys)) return;
        const data = { key: primaryKey, model: described.model, method: described.method };

        const hasSpread = whereValue.type === 'ObjectExpression' && whereValue.properties.some((p) => p.type === 'SpreadElement');
        if (whereValue.type !== 'ObjectExpression' || hasSpread) {
          context.report({ node: node.callee, messageId: 'unverifiable', data });
          return;
        }

        const tenantProperty = `${primaryKey}: ${handler.tenantExpression(primaryKey)}`;
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
      },
    };
  },
};


export const LOCAL_PLUGIN_NAME = 'agent-orchestrator';

export const agentOrchestratorPlugin: ESLint.Plugin = {
  meta: { name: 'eslint-plugin-agent-orchestrator', version: '0.1.0' },
  rules: {
    'missing-tenant-filter': missingTenantFilter,
    'hardcoded-secret': hardcodedSecretRule,
    'template-escaping-off': templateEscapingRule,
    'render-locals': renderLocalsRule,
    // Source-to-sink rules, one per class (sql-injection, xss, ssrf, ...): see ./taint.
    ...TAINT_RULES,
  },
};
