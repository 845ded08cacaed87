// A large Express-like TypeScript API for the stall bench: the example's real router, database, session and config
// files, then `modules` feature modules of four files each (routes, service, model, validation). Most code is clean;
// a deterministic share of it carries the flaws the security scanner looks for, as real code would: queries in
// handlers without the organizationId filter (every 8th module, fixable), SQL built by concatenation (every 40th),
// eval of a request field (every 150th), a shell command built from input (every 200th), a token compared with ===
// (every 100th) and a committed secret (every 250th).
import * as fs from 'node:fs';
import * as path from 'node:path';

const EXAMPLE_SRC = path.resolve(__dirname, '..', '..', 'examples', 'vulnerable-api', 'src');
const SHARED_FILES = ['router.ts', 'db.ts', 'session.ts', 'config.ts'];

export interface LargeWorkspace {
  root: string;
  /** TypeScript files written (all of them are scanned). */
  files: number;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_whole, _dash: string, letter: string) => letter.toUpperCase());
}

const NOUNS = ['invoice', 'customer', 'order', 'payment', 'report', 'project', 'ticket', 'shipment', 'contract', 'asset', 'budget', 'campaign'];

function modelFile(entity: string, index: number): string {
  const type = pascal(entity);
  return `// ${type} records of module ${index}.
export interface ${type} {
  id: string;
  organizationId: string;
  name: string;
  status: 'draft' | 'active' | 'archived';
  amount: number;
  createdAt: string;
  updatedAt: string;
  tags: string[];
}

export interface ${type}Filter {
  status?: ${type}['status'];
  minAmount?: number;
  tag?: string;
}

export function summarize${type}(record: ${type}): string {
  return \`\${record.name} (\${record.status}, \${record.amount.toFixed(2)})\`;
}

export function is${type}Editable(record: ${type}): boolean {
  return record.status !== 'archived';
}
`;
}

function validationFile(entity: string, index: number): string {
  const type = pascal(entity);
  return `// Input validation for ${entity} requests (module ${index}).
import { HttpError } from '../../router.js';
import type { ${type}, ${type}Filter } from './model.js';

const NAME = /^[\\w .,'-]{1,120}$/;
const STATUSES: readonly ${type}['status'][] = ['draft', 'active', 'archived'];

export function parse${type}Input(body: Record<string, unknown>): Pick<${type}, 'name' | 'amount' | 'tags'> {
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!NAME.test(name)) throw new HttpError(400, 'name must be 1-120 letters, digits or punctuation');
  const amount = Number(body.amount);
  if (!Number.isFinite(amount) || amount < 0) throw new HttpError(400, 'amount must be a non-negative number');
  const tags = Array.isArray(body.tags) ? body.tags.filter((tag): tag is string => typeof tag === 'string').slice(0, 20) : [];
  return { name, amount, tags };
}

export function parse${type}Filter(query: Record<string, string>): ${type}Filter {
  const filter: ${type}Filter = {};
  const status = query.status as ${type}['status'] | undefined;
  if (status !== undefined && STATUSES.includes(status)) filter.status = status;
  if (query.minAmount !== undefined && Number.isFinite(Number(query.minAmount))) filter.minAmount = Number(query.minAmount);
  if (query.tag) filter.tag = query.tag.slice(0, 40);
  return filter;
}
`;
}

function serviceFile(entity: string, index: number): string {
  const type = pascal(entity);
  const secret = index % 250 === 7 ? `\n// Partner API credentials.\nconst PARTNER_API_KEY = 'sk_live_${index.toString(16).padStart(4, '0')}9f8e7d6c5b4a3f2e1d0c';\n` : '';
  const sendPartner = secret ? `\nexport function partnerHeaders(): Record<string, string> {\n  return { authorization: \`Bearer \${PARTNER_API_KEY}\` };\n}\n` : '';
  return `// Business rules for ${entity} records (module ${index}).
import type { ${type}, ${type}Filter } from './model.js';
${secret}
export function apply${type}Filter(records: ${type}[], filter: ${type}Filter): ${type}[] {
  return records.filter(
    (record) =>
      (filter.status === undefined || record.status === filter.status) &&
      (filter.minAmount === undefined || record.amount >= filter.minAmount) &&
      (filter.tag === undefined || record.tags.includes(filter.tag)),
  );
}

export function total${type}Amount(records: readonly ${type}[]): number {
  return records.reduce((sum, record) => sum + record.amount, 0);
}

export function next${type}Status(current: ${type}['status']): ${type}['status'] {
  switch (current) {
    case 'draft':
      return 'active';
    case 'active':
      return 'archived';
    default:
      return current;
  }
}
${sendPartner}`;
}

function routesFile(entity: string, index: number): string {
  const type = pascal(entity);
  const model = 'db.invoice';
  const tenantLeak = index % 8 === 3;
  const sqlInjection = index % 40 === 11;
  const evalFlaw = index % 150 === 17;
  const shellFlaw = index % 200 === 29;
  const timingFlaw = index % 100 === 41;
  const byId = tenantLeak ? `{ id: req.params.id }` : `{ id: req.params.id, organizationId: req.user.organizationId }`;
  const extra: string[] = [];
  if (sqlInjection) {
    extra.push(`
${entity}Router.get('/search', authenticate, async (req: Request, res: Response) => {
  const sql = "SELECT * FROM invoices WHERE organization_id = '" + req.user.organizationId + "' AND status = '" + req.query.status + "'";
  res.json(await db.query(sql));
});`);
  }
  if (evalFlaw) {
    extra.push(`
${entity}Router.post('/:id/estimate', authenticate, async (req: Request, res: Response) => {
  const amount = Number(req.body.amount ?? 0);
  const formula = String(req.body.formula ?? 'amount');
  res.json({ estimate: Number(eval(formula)), amount });
});`);
  }
  if (shellFlaw) {
    extra.push(`
${entity}Router.post('/export', authenticate, async (req: Request, res: Response) => {
  const output = await new Promise<string>((resolve) => {
    exec('tar czf /tmp/export.tgz ' + String(req.body.folder), { timeout: 5000 }, (error, stdout) => resolve(error ? error.message : stdout));
  });
  res.json({ output });
});`);
  }
  if (timingFlaw) {
    extra.push(`
${entity}Router.post('/webhook', async (req: Request, res: Response) => {
  const signature = req.headers['x-signature'];
  if (signature !== process.env.WEBHOOK_SECRET) throw new HttpError(403, 'bad signature');
  res.json({ received: true });
});`);
  }
  return `// HTTP routes of module ${index}: ${entity} records of the signed-in user's organization.
${shellFlaw ? "import { exec } from 'node:child_process';\n" : ''}import { db } from '../../db.js';
import { HttpError, Router, type Request, type Response } from '../../router.js';
import { authenticate } from '../../session.js';
import { apply${type}Filter, next${type}Status, total${type}Amount } from './service.js';
import { parse${type}Filter, parse${type}Input } from './validation.js';

export const ${entity}Router = new Router();

${entity}Router.get('/', authenticate, async (req: Request, res: Response) => {
  const records = await ${model}.findMany({ where: { organizationId: req.user.organizationId } });
  const filter = parse${type}Filter(req.query);
  res.json({ items: apply${type}Filter(records as never, filter), total: total${type}Amount(records as never) });
});

${entity}Router.get('/:id', authenticate, async (req: Request, res: Response) => {
  const record = await ${model}.findFirst({ where: ${byId} });
  if (!record) throw new HttpError(404, '${type} not found');
  res.json(record);
});

${entity}Router.post('/', authenticate, async (req: Request, res: Response) => {
  const input = parse${type}Input(req.body);
  const created = await ${model}.create({
    data: { id: \`${entity}_\${Date.now()}\`, organizationId: req.user.organizationId, customer: input.name, total: input.amount, status: 'open' },
  });
  res.status(201).json(created);
});

${entity}Router.patch('/:id/advance', authenticate, async (req: Request, res: Response) => {
  const current = await ${model}.findFirst({ where: { id: req.params.id, organizationId: req.user.organizationId } });
  if (!current) throw new HttpError(404, '${type} not found');
  const status = next${type}Status('active') === 'archived' ? 'paid' : 'open';
  res.json(await ${model}.update({ where: { id: current.id, organizationId: req.user.organizationId }, data: { status } }));
});
${extra.join('\n')}
`;
}

/** Writes the workspace into `root` (created if needed) and returns how many TypeScript files it holds. */
export function writeLargeWorkspace(root: string, modules: number): LargeWorkspace {
  fs.mkdirSync(path.join(root, 'src', 'modules'), { recursive: true });
  let files = 0;
  for (const shared of SHARED_FILES) {
    fs.copyFileSync(path.join(EXAMPLE_SRC, shared), path.join(root, 'src', shared));
    files += 1;
  }
  const routers: string[] = [];
  for (let index = 0; index < modules; index++) {
    const entity = `${NOUNS[index % NOUNS.length] as string}${Math.floor(index / NOUNS.length)}`;
    const dir = path.join(root, 'src', 'modules', entity);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.ts'), modelFile(entity, index));
    fs.writeFileSync(path.join(dir, 'validation.ts'), validationFile(entity, index));
    fs.writeFileSync(path.join(dir, 'service.ts'), serviceFile(entity, index));
    fs.writeFileSync(path.join(dir, 'routes.ts'), routesFile(entity, index));
    files += 4;
    routers.push(entity);
  }
  const server = `// Mounts every module's router.
import { Router } from './router.js';
${routers.map((entity) => `import { ${entity}Router } from './modules/${entity}/routes.js';`).join('\n')}

export const app = new Router();
${routers.map((entity) => `app.use('/api/${entity}', ${entity}Router);`).join('\n')}
`;
  fs.writeFileSync(path.join(root, 'src', 'server.ts'), server);
  files += 1;
  fs.writeFileSync(
    path.join(root, 'package.json'),
    `${JSON.stringify({ name: 'large-api', version: '1.0.0', private: true, type: 'module', scripts: { start: 'node --import tsx src/server.ts', test: 'node --import tsx --test test/*.test.ts' }, devDependencies: { tsx: '^4.23.0' } }, null, 2)}\n`,
  );
  return { root, files };
}
