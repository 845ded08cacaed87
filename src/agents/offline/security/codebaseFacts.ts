// What the access-control rules need to know about the whole codebase before judging one handler: whether the app
// authenticates users at all, which models (tables, collections) exist with which fields (so "the model has an owner
// or tenant field" is a fact, not a guess), and which handlers or router files are mounted behind an authentication
// or authorization middleware in another file. Gathered once per scan from the text of the files (schemas,
// migrations, models, route registrations), cheaply with patterns: an ESLint pass per file would double the scan.
// Only JSON-safe data, so it travels to the scan workers as a rule option.

export interface CodebaseFacts {
  /** The app authenticates users somewhere (passport, JWT, sessions, `req.user`, an auth guard...). */
  authentication: boolean;
  /** Tenant keys (in the scanner's spelling, e.g. `organizationId`) that some model, schema or migration declares. */
  tenantKeys: string[];
  /** Fields of each model or table found, by model key (see `modelKey`); field names are normalised (`fieldKey`). */
  models: Record<string, string[]>;
  /** Handler names registered (in any file) on a route behind an authentication middleware. */
  authenticatedHandlers: string[];
  /** Handler names registered on a route behind an authorization middleware (roles, ownership, permissions). */
  authorizedHandlers: string[];
  /** Handler names registered on a public route (login, registration, password reset, token refresh...). */
  publicHandlers: string[];
  /** Workspace files whose router is mounted (in another file) behind an authentication middleware. */
  authenticatedFiles: string[];
  /** Something sets `req.user` (passport, express-jwt, an assignment), so an authenticated route has it. */
  requestUser: boolean;
  /** A Next.js `middleware` file that authenticates: it may guard any route, so no route is known to be unguarded. */
  edgeAuthentication?: boolean;
}

export const NO_FACTS: CodebaseFacts = {
  authentication: false,
  tenantKeys: [],
  models: {},
  authenticatedHandlers: [],
  authorizedHandlers: [],
  publicHandlers: [],
  authenticatedFiles: [],
  requestUser: false,
};

/** `organization_id`, `OrganizationId` and `organizationId` are one field. */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `Order`, `orders`, `OrderModel`, `orderRepository`, `order_items` → one key per model (singular, no suffix). */
export function modelKey(name: string): string {
  let key = fieldKey(name).replace(/(repository|repo|model|schema|entity|collection|table|dao|store)$/, '');
  if (key.endsWith('ies') && key.length > 4) key = `${key.slice(0, -3)}y`;
  else if (key.endsWith('sses')) key = key.slice(0, -2);
  else if (key.endsWith('s') && !key.endsWith('ss') && key.length > 2) key = key.slice(0, -1);
  return key;
}

/** Fields that tie a record to a user (or a tenant), normalised. */
const OWNER_FIELDS = new Set([
  'userid', 'user', 'owner', 'ownerid', 'author', 'authorid', 'createdby', 'createdbyid', 'creator', 'creatorid',
  'accountid', 'account', 'customerid', 'customer', 'memberid', 'profileid', 'uid', 'postedby', 'patientid',
  'studentid', 'employeeid', 'organizationid', 'orgid', 'tenantid', 'organization', 'tenant',
]);
/** Models that are the user (or their account): a record of these is someone's by definition. */
const USER_MODELS = new Set(['user', 'account', 'profile', 'customer', 'member', 'person', 'patient', 'student', 'employee']);

export function hasOwnerField(fields: readonly string[]): boolean {
  return fields.some((f) => OWNER_FIELDS.has(f));
}

export function isUserModel(key: string): boolean {
  return USER_MODELS.has(key);
}

// ---------------------------------------------------------------------------------------------------------
// Names of middleware, matched on the lower-cased source text of a route argument.

/** Authentication: who the caller is. `author`/`authorize` are not authentication (the letters after "auth"). */
export function looksLikeAuthentication(text: string): boolean {
  const t = text.toLowerCase();
  return /authenticat|requireauth|isauth|ensureauth|checkauth|authrequired|authmiddleware|withauth|jwt|verifytoken|verifyuser|loggedin|requirelogin|requireuser|ensureuser|protect|passport|authguard|requiresession|(^|[^a-z])auth($|[^a-z])/.test(t);
}

/** Authorization: whether this caller may touch this record (roles, ownership, permissions, policies). */
export function looksLikeAuthorization(text: string): boolean {
  const t = text.toLowerCase();
  return /authori[sz]|permi(t|ssion)|owner|role|admin|(^|[^a-z])can\(|abilit|(^|[^a-z])acl($|[^a-z])|polic|checkaccess|hasaccess|canaccess|isself|sameuser/.test(t);
}

/** Public endpoints, by route path: nobody is logged in there, so there is no user or tenant to filter by. */
export function looksLikePublicPath(path: string): boolean {
  return /(^|\/)(log-?in|sign-?in|log-?out|sign-?out|register|registration|sign-?up|reset[\w-]*|forgot[\w-]*|[\w-]*password[\w-]*|refresh[\w-]*|token|verify[\w-]*|confirm[\w-]*|activate|callback|oauth|auth)(\/|$|[?.:])/i.test(path);
}

/** Public endpoints, by handler name. */
export function looksLikePublicHandler(name: string): boolean {
  return /^(log_?in|sign_?in|sign_?up|register|reset|forgot|refresh|verify|confirm|activate|logout|sign_?out|oauth|callback|authenticate|handleLogin|handleRegister|handleSignup)/i.test(name) ||
    /password|login|signup|register/i.test(name);
}

// ---------------------------------------------------------------------------------------------------------
// Text scanning helpers: balanced blocks and top-level keys, skipping strings and comments.

/** Index of the bracket that closes the one at `open`, or -1. */
function closingIndex(text: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < text.length && i < open + 200_000; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const quote = c;
      for (i++; i < text.length && text[i] !== quote; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c] as string);
    else if (c === '}' || c === ')' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** The parts of `body` (without its outer brackets) split at depth-0 occurrences of `separators`. */
function topLevelParts(body: string, separators: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const quote = c;
      for (i++; i < body.length && body[i] !== quote; i++) if (body[i] === '\\') i++;
      continue;
    }
    if (c === '/' && body[i + 1] === '/') {
      const end = body.indexOf('\n', i);
      i = end < 0 ? body.length : end - 1;
      continue;
    }
    if (c === '/' && body[i + 1] === '*') {
      const end = body.indexOf('*/', i + 2);
      i = end < 0 ? body.length : end + 1;
      continue;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (depth === 0 && separators.test(c)) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

const LEADING_NOISE = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/|@\w+(?:\.\w+)*(?:\([^)]*\))?)*/;

/** Keys of the object literal whose `{` is at `open`. */
function objectKeys(text: string, open: number): string[] {
  const close = closingIndex(text, open);
  if (close < 0) return [];
  const keys: string[] = [];
  for (const part of topLevelParts(text.slice(open + 1, close), /,/)) {
    const match = /^['"]?([A-Za-z_$][\w$]*)['"]?\s*[:(]/.exec(part.replace(LEADING_NOISE, ''));
    if (match?.[1]) keys.push(match[1]);
  }
  return keys;
}

/** Property names declared in the class body whose `{` is at `open` (TypeORM, sequelize-typescript, Mongoose classes). */
function classFields(text: string, open: number): string[] {
  const close = closingIndex(text, open);
  if (close < 0) return [];
  const fields: string[] = [];
  for (const part of topLevelParts(text.slice(open + 1, close), /[;\n]/)) {
    const match = /^(?:(?:public|private|protected|readonly|declare|static)\s+)*([A-Za-z_$][\w$]*)[!?]?\s*[:=;]/.exec(part.replace(LEADING_NOISE, ''));
    if (match?.[1] && match[1] !== 'constructor') fields.push(match[1]);
  }
  return fields;
}

/** Column names in the parentheses of `CREATE TABLE name (` at `open`. */
function sqlColumns(text: string, open: number): string[] {
  const close = closingIndex(text, open);
  if (close < 0) return [];
  const columns: string[] = [];
  for (const part of topLevelParts(text.slice(open + 1, close), /,/)) {
    const match = /^\s*[`"[]?([A-Za-z_][\w]*)[`"\]]?\s+[A-Za-z]/.exec(part);
    if (match?.[1] && !/^(primary|foreign|unique|constraint|key|index|check)$/i.test(match[1])) columns.push(match[1]);
  }
  return columns;
}

// ---------------------------------------------------------------------------------------------------------

interface Registration {
  middlewares: string[];
  /** The last argument's name (`getOrder` of `ctrl.getOrder`), when it is a name. */
  handler: string | undefined;
  /** The last argument's text. */
  last: string;
  path: string | undefined;
}

/** Route registrations (`x.get('/p', mw, handler)`) and mounts (`x.use('/p', mw, router)`) in `text`. */
function registrations(text: string): { routes: Registration[]; mounts: (Registration & { at: number })[]; globalAuthAt: number } {
  const routes: Registration[] = [];
  const mounts: (Registration & { at: number })[] = [];
  let globalAuthAt = -1;
  const call = /\.(get|post|put|patch|delete|del|all|use)\s*\(/g;
  for (let match = call.exec(text); match; match = call.exec(text)) {
    const open = match.index + match[0].length - 1;
    const close = closingIndex(text, open);
    if (close < 0 || close - open > 5_000) continue;
    const args = topLevelParts(text.slice(open + 1, close), /,/).map((a) => a.trim()).filter((a) => a.length > 0);
    if (args.length === 0) continue;
    const path = /^['"`]([^'"`]*)['"`]$/.exec(args[0] as string)?.[1];
    const rest = path === undefined ? args : args.slice(1);
    const last = rest[rest.length - 1] ?? '';
    // Koa mounts a router's middleware: router.routes() or router.middleware().
    const named = /^(?:[\w$]+\.)*([\w$]+)$/.exec(last.replace(/\.(routes|middleware)\(\)$/, ''))?.[1];
    const entry: Registration = { middlewares: rest.slice(0, -1), handler: named, last, path };
    if (match[1] === 'use') {
      if (rest.length === 1 && path === undefined && looksLikeAuthentication(last) && globalAuthAt < 0) globalAuthAt = match.index;
      mounts.push({ ...entry, at: match.index });
    } else if (path !== undefined) routes.push(entry);
  }
  return { routes, mounts, globalAuthAt };
}

/** Local imports of `text`: identifier → specifier (`./routes/orders`). */
function localImports(text: string): Map<string, string> {
  const imports = new Map<string, string>();
  const patterns = [
    /(?:const|let|var)\s+([\w$]+)\s*=\s*require\(\s*['"](\.[^'"]+)['"]\s*\)/g,
    /import\s+([\w$]+)\s+from\s+['"](\.[^'"]+)['"]/g,
    /import\s+\*\s+as\s+([\w$]+)\s+from\s+['"](\.[^'"]+)['"]/g,
  ];
  for (const pattern of patterns) for (let m = pattern.exec(text); m; m = pattern.exec(text)) imports.set(m[1] as string, m[2] as string);
  return imports;
}

function resolveLocal(fromFile: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const parts = fromFile.split('/').slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '.' || segment === '') continue;
    if (segment === '..') parts.pop();
    else parts.push(segment);
  }
  const base = parts.join('/');
  const candidates = [base, ...['.js', '.ts', '.mjs', '.cjs', '.tsx', '.jsx'].flatMap((e) => [`${base}${e}`, `${base}/index${e}`])];
  return candidates.find((candidate) => files.has(candidate));
}

const AUTHENTICATION_IN_CODE =
  /\b(?:passport|jsonwebtoken|express-jwt|express-session|cookie-session|koa-jwt|@fastify\/jwt|fastify-jwt|next-auth|getServerSession|@nestjs\/passport|AuthGuard|isAuthenticated|bcrypt|bcryptjs|argon2|auth0|@clerk|lucia|verifyIdToken|jwt\.verify)\b|\b(?:req|request)\.(?:user|session\.user\w*)\b|\bctx\.state\.user\b/;

// @fastify/jwt's `request.jwtVerify()` sets `request.user` to the verified token's payload.
const REQUEST_USER_SET = /\b(?:req|request)\.user\s*=[^=]|\bpassport\.(?:authenticate|session)\b|express-jwt|expressjwt|@fastify\/passport|\.jwtVerify\(/;

/** Gathers the facts from the workspace's files (`texts`: path → content). */
export function gatherCodebaseFacts(texts: ReadonlyMap<string, string>, tenantKeys: readonly string[]): CodebaseFacts {
  const models = new Map<string, Set<string>>();
  const addModel = (name: string, fields: readonly string[]): void => {
    if (fields.length === 0) return;
    const key = modelKey(name);
    const set = models.get(key) ?? new Set<string>();
    for (const f of fields) set.add(fieldKey(f));
    models.set(key, set);
  };
  let authentication = false;
  let requestUser = false;
  let edgeAuthentication = false;
  const authenticatedHandlers = new Set<string>();
  const authorizedHandlers = new Set<string>();
  const publicHandlers = new Set<string>();
  const authenticatedFiles = new Set<string>();
  const fileSet = new Set(texts.keys());

  for (const [file, text] of texts) {
    if (!authentication && AUTHENTICATION_IN_CODE.test(text)) authentication = true;
    if (!requestUser && REQUEST_USER_SET.test(text)) requestUser = true;
    if (!edgeAuthentication && /^(src\/)?middleware\.[cm]?[jt]s$/.test(file) && looksLikeAuthentication(text)) edgeAuthentication = true;

    // Prisma schema.
    for (const m of text.matchAll(/^\s*model\s+(\w+)\s*\{([^}]*)\}/gm)) {
      addModel(m[1] as string, [...(m[2] as string).matchAll(/^\s*(\w+)\s+[A-Za-z]/gm)].map((f) => f[1] as string));
    }
    // SQL: CREATE TABLE, in .sql files and in migrations' strings.
    for (const m of text.matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?[`"[]?(?:\w+\.)?(\w+)[`"\]]?\s*\(/gi)) {
      addModel(m[1] as string, sqlColumns(text, (m.index ?? 0) + m[0].length - 1));
    }
    for (const m of text.matchAll(/alter\s+table\s+[`"[]?(?:\w+\.)?(\w+)[`"\]]?\s+add\s+(?:column\s+)?[`"[]?(\w+)/gi)) addModel(m[1] as string, [m[2] as string]);
    // Sequelize: define('Order', { ... }) and Order.init({ ... }).
    for (const m of text.matchAll(/\.define\(\s*['"`](\w+)['"`]\s*,\s*\{/g)) addModel(m[1] as string, objectKeys(text, (m.index ?? 0) + m[0].length - 1));
    for (const m of text.matchAll(/\b(\w+)\.init\(\s*\{/g)) addModel(m[1] as string, objectKeys(text, (m.index ?? 0) + m[0].length - 1));
    // Knex / Sequelize migrations: createTable('orders', (t) => { t.integer('user_id') }) or createTable('orders', { userId: ... }).
    for (const m of text.matchAll(/createTable\(\s*['"`](\w+)['"`]\s*,\s*/g)) {
      const at = (m.index ?? 0) + m[0].length;
      if (text[at] === '{') addModel(m[1] as string, objectKeys(text, at));
      else {
        const open = text.indexOf('{', at);
        const close = open < 0 ? -1 : closingIndex(text, open);
        if (close > 0) addModel(m[1] as string, [...text.slice(open, close).matchAll(/\.\w+\(\s*['"`](\w+)['"`]/g)].map((c) => c[1] as string));
      }
    }
    for (const m of text.matchAll(/addColumn\(\s*['"`](\w+)['"`]\s*,\s*['"`](\w+)['"`]/g)) addModel(m[1] as string, [m[2] as string]);
    // Mongoose: const OrderSchema = new Schema({ ... }); model('Order', OrderSchema) or model('Order', new Schema({...})).
    const schemas = new Map<string, string[]>();
    for (const m of text.matchAll(/(\w+)\s*=\s*new\s+(?:mongoose\.)?Schema\s*(?:<[^>]*>)?\(\s*\{/g)) schemas.set(m[1] as string, objectKeys(text, (m.index ?? 0) + m[0].length - 1));
    for (const m of text.matchAll(/\bmodel\s*(?:<[^>]*>)?\(\s*['"`](\w+)['"`]\s*,\s*(?:(\w+)|new\s+(?:mongoose\.)?Schema\s*\(\s*(\{))/g)) {
      if (m[2]) addModel(m[1] as string, schemas.get(m[2]) ?? []);
      else if (m[3]) addModel(m[1] as string, objectKeys(text, (m.index ?? 0) + m[0].length - 1));
    }
    // Schema variables named after their model (orderSchema) count even when model() is called elsewhere.
    for (const [name, fields] of schemas) addModel(name.replace(/schema$/i, ''), fields);
    // TypeORM / sequelize-typescript / Mongoose (@nestjs/mongoose) classes.
    for (const m of text.matchAll(/@(?:Entity|Table|Schema)\b[\s\S]{0,300}?class\s+(\w+)[^{]*\{/g)) addModel(m[1] as string, classFields(text, (m.index ?? 0) + m[0].length - 1));
    // TypeScript record shapes (interface Invoice { id: string; organizationId: string }): a model when it has an id.
    for (const m of text.matchAll(/\b(?:interface\s+(\w+)(?:<[^>{]*>)?(?:\s+extends\s+[^{]+)?|type\s+(\w+)(?:<[^>=]*>)?\s*=)\s*\{/g)) {
      const fields = classFields(text, (m.index ?? 0) + m[0].length - 1);
      if (fields.some((f) => /^(id|_id|uuid)$/.test(f))) addModel((m[1] ?? m[2]) as string, fields);
    }
    // Sequelize associations add the foreign key: Order.belongsTo(User) gives orders a userId.
    for (const m of text.matchAll(/\b(\w+)\.belongsTo\(\s*(?:\w+\.)?(\w+)/g)) addModel(m[1] as string, [`${m[2] as string}Id`]);
    // Sequelize class models: class Order extends Model { declare userId: number }.
    for (const m of text.matchAll(/class\s+(\w+)\s+extends\s+Model\b[^{]*\{/g)) addModel(m[1] as string, classFields(text, (m.index ?? 0) + m[0].length - 1));

    // Routes registered here, and routers mounted here behind an auth middleware.
    if (!/\.(get|post|put|patch|delete|del|all|use)\s*\(/.test(text)) continue;
    const found = registrations(text);
    for (const route of found.routes) {
      if (!route.handler) continue;
      const authn = route.middlewares.some((mw) => looksLikeAuthentication(mw) || looksLikeAuthorization(mw));
      if (authn) authenticatedHandlers.add(route.handler);
      if (route.middlewares.some(looksLikeAuthorization)) authorizedHandlers.add(route.handler);
      if (route.path !== undefined && looksLikePublicPath(route.path)) publicHandlers.add(route.handler);
    }
    const imports = localImports(text);
    for (const mount of found.mounts) {
      const behindAuth = mount.middlewares.some((mw) => looksLikeAuthentication(mw) || looksLikeAuthorization(mw)) || (found.globalAuthAt >= 0 && found.globalAuthAt < mount.at);
      if (!behindAuth) continue;
      const inline = /^require\(\s*['"](\.[^'"]+)['"]\s*\)$/.exec(mount.last)?.[1];
      const specifier = (mount.handler ? imports.get(mount.handler) : undefined) ?? inline;
      const resolved = specifier ? resolveLocal(file, specifier, fileSet) : undefined;
      if (resolved) authenticatedFiles.add(resolved);
    }
  }

  const declared = tenantKeys.filter((key) => [...models.values()].some((fields) => fields.has(fieldKey(key))));
  return {
    authentication,
    tenantKeys: declared,
    models: Object.fromEntries([...models].map(([key, fields]) => [key, [...fields].sort()])),
    authenticatedHandlers: [...authenticatedHandlers].sort(),
    authorizedHandlers: [...authorizedHandlers].sort(),
    publicHandlers: [...publicHandlers].sort(),
    authenticatedFiles: [...authenticatedFiles].sort(),
    requestUser,
    ...(edgeAuthentication ? { edgeAuthentication } : {}),
  };
}

/** Files worth reading for the facts: sources, Prisma schemas and SQL (schemas, migrations). */
export const FACT_EXTENSIONS: readonly string[] = ['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts', '.prisma', '.sql'];

/** Marks the part of a rule's message that says why no mechanical fix is offered; the scanner moves it to the finding. */
export const NEEDS_PERSON_MARK = ' — needs a model or a person: ';

/** The facts in a rule's options, or none (a rule run without a scan knows nothing of the codebase). */
export function factsFromOption(option: unknown): CodebaseFacts {
  const facts = typeof option === 'object' && option !== null ? (option as { facts?: unknown }).facts : undefined;
  if (typeof facts !== 'object' || facts === null) return NO_FACTS;
  return { ...NO_FACTS, ...(facts as Partial<CodebaseFacts>) };
}

/** The workspace-relative path of the file a rule checks (ESLint sees a synthetic name), from the rule's options. */
export function fileFromOption(option: unknown, fallback: string): string {
  const file = typeof option === 'object' && option !== null ? (option as { file?: unknown }).file : undefined;
  return typeof file === 'string' ? file : fallback;
}
