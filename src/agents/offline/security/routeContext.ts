// Where a request handler runs: its route (path, middleware before it), whether an authentication or authorization
// middleware guards it (in this file, or, by the codebase facts, where another file mounts it), whether it is a
// public endpoint (login, registration, password reset...), and whether it relies on an authenticated user.
import type { Rule, SourceCode } from 'eslint';
import type * as ESTree from 'estree';
import {
  looksLikeAuthentication,
  looksLikeAuthorization,
  looksLikePublicHandler,
  looksLikePublicPath,
  type CodebaseFacts,
} from './codebaseFacts';

export const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options']);

export type RequestStyle = 'req' | 'koa' | 'trpc';

/** How a handler receives its request: the parameter's name and its style; `routeParams` is Next.js's `{ params }`. */
export interface RequestBinding {
  name: string;
  style: RequestStyle;
  routeParams?: string;
  /** Parameters NestJS fills from the request (`@Param('id') id`, `@Body() dto`, `@Query('id') id`). */
  decorated: Map<string, 'params' | 'body' | 'query'>;
}

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

function annotationTypeName(param: unknown): string | undefined {
  const typeNode = field(field(param, 'typeAnnotation'), 'typeAnnotation');
  if (field(typeNode, 'type') !== 'TSTypeReference') return undefined;
  const typeName = field(typeNode, 'typeName');
  if (field(typeName, 'type') === 'Identifier') return String(field(typeName, 'name'));
  if (field(typeName, 'type') === 'TSQualifiedName') return String(field(field(typeName, 'right'), 'name'));
  return undefined;
}

function decoratorsOf(node: unknown): unknown[] {
  const decorators = field(node, 'decorators');
  return Array.isArray(decorators) ? decorators : [];
}

/** The request binding of `fn`, or undefined when `fn` is not a request handler. */
export function requestBindingOf(fn: ESTree.Function, sourceCode: SourceCode): RequestBinding | undefined {
  const decorated = new Map<string, 'params' | 'body' | 'query'>();
  let binding: RequestBinding | undefined;
  fn.params.forEach((rawParam, index) => {
    const param = rawParam.type === 'AssignmentPattern' ? rawParam.left : rawParam;
    for (const decorator of decoratorsOf(rawParam)) {
      const text = sourceCode.getText(decorator as ESTree.Node);
      const kind = /^@(Param|Params)\b/.test(text) ? 'params' : /^@Body\b/.test(text) ? 'body' : /^@Query\b/.test(text) ? 'query' : undefined;
      if (kind && param.type === 'Identifier') decorated.set(param.name, kind);
      if (/^@Req(uest)?\b/.test(text) && param.type === 'Identifier') binding ??= { name: param.name, style: 'req', decorated };
    }
    if (binding) return;
    if (param.type === 'Identifier') {
      const typeName = annotationTypeName(param);
      if (param.name === 'req' || param.name === 'request' || (typeName !== undefined && /Request$/.test(typeName))) {
        binding = { name: param.name, style: 'req', decorated };
        const second = fn.params[index + 1];
        if (second?.type === 'ObjectPattern') {
          const params = second.properties.find((p): p is ESTree.AssignmentProperty => p.type === 'Property' && !p.computed && p.key.type === 'Identifier' && p.key.name === 'params');
          if (params?.value.type === 'Identifier') binding.routeParams = params.value.name;
        } else if (second?.type === 'Identifier' && /^(context|ctx|props|options)$/.test(second.name)) binding.routeParams = `${second.name}.params`;
      } else if (param.name === 'ctx' && index === 0) binding = { name: 'ctx', style: 'koa', decorated };
    } else if (param.type === 'ObjectPattern') {
      for (const property of param.properties) {
        if (property.type !== 'Property' || property.computed || property.key.type !== 'Identifier' || property.key.name !== 'ctx') continue;
        const value = property.value.type === 'AssignmentPattern' ? property.value.left : property.value;
        if (value.type === 'Identifier') binding = { name: value.name, style: 'trpc', decorated };
      }
    }
  });
  if (!binding && decorated.size > 0) binding = { name: '\u0000', style: 'req', decorated };
  return binding;
}

/** Source text that refers to the authenticated caller, for a handler with this binding. */
export function userReferencePattern(binding: RequestBinding): RegExp {
  const name = binding.name.replace(/[$]/g, '\\$');
  const own = binding.style === 'trpc'
    ? `\\b${name}\\.(session|user|auth|userId)\\b`
    : binding.style === 'koa'
      ? `\\b${name}\\.(state\\.user|state\\.auth|session\\.user\\w*|user)\\b`
      : `\\b${name}\\.(user|auth|userId|session\\.(user\\w*|uid|accountId|organizationId|orgId|tenantId))\\b`;
  return new RegExp(
    `${own}|\\bres\\.locals\\.(user|currentUser|auth)\\b|\\bsession\\??\\.user\\b|\\bgetServerSession\\(|\\bcurrentUser\\b|\\bgetCurrentUser\\(|\\bgetAuth\\(|\\bauth\\(\\)|\\bgetToken\\(|@(CurrentUser|User|AuthUser|GetUser)\\(`,
  );
}

export interface HandlerSituation {
  /** An authentication (or authorization) middleware or guard runs before it. */
  behindAuthentication: boolean;
  /** An authorization middleware or guard (roles, ownership, permissions) runs before it. */
  behindAuthorization: boolean;
  /** Login, registration, password reset, token refresh and the like. */
  publicEndpoint: boolean;
  /** The handler's own code refers to the authenticated caller (`req.user`, `ctx.state.user`, a session). */
  usesUser: boolean;
  /** The handler's route path, when known. */
  path?: string;
}

function calleeMethod(node: ESTree.CallExpression): string | undefined {
  const callee = node.callee;
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
  return callee.property.name;
}

function stringValue(node: ESTree.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** Path of a route call: its first argument, or `.route('/p')` before `.get(...)`. */
function routePath(call: ESTree.CallExpression): string | undefined {
  const own = stringValue(call.arguments[0] as ESTree.Node | undefined);
  if (own !== undefined) return own;
  const callee = call.callee;
  if (callee.type === 'MemberExpression' && callee.object.type === 'CallExpression' && calleeMethod(callee.object) === 'route') return stringValue(callee.object.arguments[0] as ESTree.Node | undefined);
  return undefined;
}

/** The name a handler is known by: its declaration, variable, property, method or `exports.name =`. */
export function handlerName(fn: ESTree.Function): string | undefined {
  if (fn.type === 'FunctionDeclaration' || fn.type === 'FunctionExpression') if (fn.id) return fn.id.name;
  const parent = (fn as ESTree.Function & { parent?: ESTree.Node }).parent;
  if (!parent) return undefined;
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if ((parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') && !parent.computed && parent.key.type === 'Identifier') return parent.key.name;
  if (parent.type === 'AssignmentExpression' && parent.left.type === 'MemberExpression' && !parent.left.computed && parent.left.property.type === 'Identifier') return parent.left.property.name;
  return undefined;
}

/** Route and mount calls of one file, collected as the rule walks it. */
export class FileRoutes {
  readonly routes: ESTree.CallExpression[] = [];
  readonly uses: ESTree.CallExpression[] = [];

  collect(node: ESTree.CallExpression): void {
    const method = calleeMethod(node);
    // Fastify runs `addHook('onRequest' | 'preHandler' | ..., fn)` before every route of the plugin, as Express `use`.
    if (method === 'use' || (method === 'addHook' && /^(onRequest|preParsing|preValidation|preHandler)$/.test(stringValue(node.arguments[0] as ESTree.Node | undefined) ?? ''))) this.uses.push(node);
    else if (method !== undefined && ROUTE_METHODS.has(method) && routePath(node) !== undefined) this.routes.push(node);
  }
}

/** The situation of handler `fn` in file `file`. */
export function situationOf(fn: ESTree.Function, binding: RequestBinding, file: string, routes: FileRoutes, facts: CodebaseFacts, sourceCode: SourceCode): HandlerSituation {
  const middlewareTexts: string[] = [];
  let path: string | undefined;
  let registeredAt: number | undefined;

  // Registered inline: router.get('/p', mw, handler) or router.get('/p', mw, wrap(handler)).
  let child: ESTree.Node = fn;
  let parent = (fn as ESTree.Node & { parent?: ESTree.Node }).parent;
  for (let depth = 0; parent && parent.type === 'CallExpression' && depth < 3; depth++) {
    // tRPC and similar builders: protectedProcedure.query(handler).
    if (depth === 0 && /procedure|middleware/i.test(sourceCode.getText(parent.callee))) middlewareTexts.push(sourceCode.getText(parent.callee));
    if (routes.routes.includes(parent)) {
      const args = parent.arguments as ESTree.Node[];
      const index = args.indexOf(child);
      path = routePath(parent);
      middlewareTexts.push(...args.slice(stringValue(args[0]) !== undefined ? 1 : 0, index).map((a) => sourceCode.getText(a)));
      registeredAt = parent.range?.[0];
      break;
    }
    if (!(parent.arguments as ESTree.Node[]).includes(child)) break;
    child = parent;
    parent = (parent as ESTree.Node & { parent?: ESTree.Node }).parent;
  }

  // Registered by name in this file: router.get('/p', mw, getOrder) or ctrl.getOrder.
  const name = handlerName(fn);
  if (registeredAt === undefined && name !== undefined) {
    for (const route of routes.routes) {
      const args = route.arguments as ESTree.Node[];
      const last = args[args.length - 1];
      if (!last) continue;
      const text = sourceCode.getText(last);
      if (text !== name && !text.endsWith(`.${name}`)) continue;
      path ??= routePath(route);
      middlewareTexts.push(...args.slice(stringValue(args[0]) !== undefined ? 1 : 0, -1).map((a) => sourceCode.getText(a)));
      registeredAt ??= route.range?.[0];
    }
  }

  // NestJS: guards and route decorators on the method and its class.
  const decoratorTexts: string[] = [];
  const method = (fn as ESTree.Node & { parent?: ESTree.Node }).parent;
  if (method?.type === 'MethodDefinition') {
    decoratorTexts.push(...decoratorsOf(method).map((d) => sourceCode.getText(d as ESTree.Node)));
    const classNode = (method as ESTree.Node & { parent?: ESTree.Node }).parent;
    const declaration = (classNode as ESTree.Node & { parent?: ESTree.Node } | undefined)?.parent;
    decoratorTexts.push(...decoratorsOf(declaration).map((d) => sourceCode.getText(d as ESTree.Node)));
    for (const text of decoratorTexts) {
      const routeDecorator = /^@(Get|Post|Put|Patch|Delete|All)\(\s*['"`]([^'"`]*)['"`]/.exec(text);
      if (routeDecorator) path ??= routeDecorator[2];
    }
  }
  const guards = decoratorTexts.filter((text) => /^@(UseGuards|Roles|Auth|Authorize|Permissions|CheckPolicies|RequirePermissions)\b/.test(text));

  // In this file, router.use(authenticate) before the route (or before the handler when it is not registered here).
  const position = registeredAt ?? fn.range?.[0] ?? 0;
  const uses = routes.uses.filter((use) => (use.range?.[0] ?? 0) < position).map((use) => use.arguments.map((a) => sourceCode.getText(a)).join(','));

  const everything = [...middlewareTexts, ...uses, ...guards];
  const behindAuthorization = everything.some(looksLikeAuthorization) || (name !== undefined && facts.authorizedHandlers.includes(name));
  const behindAuthentication = behindAuthorization ||
    everything.some(looksLikeAuthentication) ||
    (name !== undefined && facts.authenticatedHandlers.includes(name)) ||
    facts.authenticatedFiles.includes(file);
  const publicEndpoint = (path !== undefined && looksLikePublicPath(path)) ||
    (name !== undefined && (looksLikePublicHandler(name) || facts.publicHandlers.includes(name))) ||
    decoratorTexts.some((text) => /^@(Public|AllowAnonymous|SkipAuth)\b/.test(text)) ||
    /(^|\/)(login|signin|register|signup|logout|reset-password|forgot-password|refresh)(\/route)?\.[cm]?[jt]sx?$/i.test(file);
  const usesUser = userReferencePattern(binding).test(sourceCode.getText(fn));
  return { behindAuthentication, behindAuthorization, publicEndpoint, usesUser, ...(path !== undefined ? { path } : {}) };
}

/** The innermost enclosing request handler of `node`, with its binding. */
export function enclosingHandler(node: ESTree.Node, sourceCode: SourceCode): { fn: ESTree.Function; binding: RequestBinding } | undefined {
  const ancestors = sourceCode.getAncestors(node).reverse();
  for (const ancestor of ancestors) {
    if (ancestor.type !== 'FunctionDeclaration' && ancestor.type !== 'FunctionExpression' && ancestor.type !== 'ArrowFunctionExpression') continue;
    const binding = requestBindingOf(ancestor, sourceCode);
    if (binding) return { fn: ancestor, binding };
  }
  return undefined;
}

export type { Rule };
