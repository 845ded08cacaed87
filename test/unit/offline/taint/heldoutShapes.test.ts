// Classes of cause found on held-out apps written without the rules in view (NestJS, Fastify with knex, Express
// in TypeScript), each asserted here on code of another shape than the app it was found in.
import { strict as assert } from 'node:assert';
import { SecurityScanner } from '../../../../src/agents/offline/security/securityScanner';
import type { Finding } from '../../../../src/core/protocol/findings';
import { MemoryWorkspace } from '../../security/memoryWorkspace';

const scanner = new SecurityScanner(new MemoryWorkspace({}));

function scan(lines: string[], file = 'src/routes/app.ts'): Finding[] {
  const result = scanner.scanSource(file, lines.join('\n'));
  assert.equal(result.parseError, undefined, result.parseError);
  return result.findings;
}

function linesOf(findings: Finding[], ruleId: string): string[] {
  return findings.filter((f) => f.ruleId === `agent-orchestrator/${ruleId}`).map((f) => String(f.line));
}

describe('SQL query builders next to MongoDB filters', () => {
  it('does not read a knex or TypeORM object condition as a MongoDB operator filter, but still reads a Mongo one', () => {
    const findings = scan([
      "module.exports = (server) => server.route({ method: 'PATCH', url: '/:slug' }, async (req, reply) => {",
      "  const item = await server.pg('catalog_items').where({ slug: req.params.slug, owner: req.body.owner }).first();",
      "  await server.pg('catalog_items').where({ slug: req.body.slug }).update({ label: req.body.label });",
      "  const rows = await this.dataSource.getRepository(Item).createQueryBuilder('i').where({ label: req.body.label }).getMany();",
      "  const doc = await server.mongo.db.collection('items').findOne({ owner: req.body.owner });",
      '  return { item, rows, doc };',
      '});',
    ], 'src/routes/catalog.js');
    assert.deepEqual(linesOf(findings, 'nosql-injection'), ['5']);
  });

  it('reports a query-builder clause built from a template or concatenation, and not one that binds parameters', () => {
    const findings = scan([
      "import { Controller, Get, Query } from '@nestjs/common';",
      "import { DataSource } from 'typeorm';",
      "@Controller('reports')",
      'export class ReportsController {',
      '  constructor(private readonly data: DataSource) {}',
      "  @Get('by-region')",
      "  byRegion(@Query('region') region: string, @Query('sortBy') sortBy: string) {",
      "    const clause = 'r.region = ' + \"'\" + region + \"'\";",
      '    return this.data.createQueryBuilder(Row, \'r\')',
      '      .where(clause)',
      "      .andWhere('r.active = :active', { active: true })",
      '      .orderBy(`r.${sortBy}`, \'DESC\')',
      '      .getRawMany();',
      '  }',
      "  @Get('safe')",
      "  safe(@Query('region') region: string) {",
      "    return this.data.createQueryBuilder(Row, 'r').where('r.region = :region', { region }).orderBy('r.createdAt').getMany();",
      '  }',
      '}',
    ]);
    assert.deepEqual(linesOf(findings, 'sql-injection'), ['10', '12']);
  });
});

describe('NestJS handlers as sinks', () => {
  it('reports a @Redirect() handler that returns a url from the request, not one with a fixed or checked target', () => {
    const findings = scan([
      "import { Controller, Get, Query, Redirect } from '@nestjs/common';",
      'function isSameSite(target: string): boolean {',
      "  return target.startsWith('/') && !target.startsWith('//');",
      '}',
      "@Controller('go')",
      'export class JumpController {',
      "  @Get('out')",
      "  @Redirect('/', 301)",
      "  out(@Query() query: { to?: string }) {",
      '    return { url: query.to, statusCode: 302 };',
      '  }',
      "  @Get('home')",
      "  @Redirect('/')",
      "  home(@Query('to') to: string) {",
      "    return { url: '/dashboard' };",
      '  }',
      "  @Get('checked')",
      "  @Redirect('/')",
      "  checked(@Query('to') to: string) {",
      "    if (!isSameSite(to)) return { url: '/' };",
      '    return { url: to };',
      '  }',
      '}',
    ]);
    assert.deepEqual(linesOf(findings, 'open-redirect'), ['10']);
  });

  it('reports HTML built from request data in a handler declared text/html, and not under another content type', () => {
    const findings = scan([
      "import { Body, Controller, Header, Post } from '@nestjs/common';",
      "@Controller('cards')",
      'export class CardsController {',
      "  @Post('preview')",
      "  @Header('content-type', 'text/html')",
      '  preview(@Body() card: { title: string }) {',
      "    const html = '<article><h2>' + card.title + '</h2></article>';",
      '    return html;',
      '  }',
      "  @Post('plain')",
      "  @Header('Content-Type', 'text/plain')",
      '  plain(@Body() card: { title: string }) {',
      '    return `<h2>${card.title}</h2>`;',
      '  }',
      '}',
    ]);
    assert.deepEqual(linesOf(findings, 'xss'), ['8']);
  });

  it('reports an injected HttpService called with a URL from a DTO, and not with a fixed origin', () => {
    const findings = scan([
      "import { HttpService } from '@nestjs/axios';",
      "import { Body, Controller, Post } from '@nestjs/common';",
      "import { lastValueFrom } from 'rxjs';",
      'class PingDto { target!: string; id!: string }',
      "@Controller('probe')",
      'export class ProbeController {',
      '  constructor(private readonly httpService: HttpService) {}',
      "  @Post('run')",
      '  async run(@Body() dto: PingDto) {',
      '    const reply = await lastValueFrom(this.httpService.get(dto.target));',
      '    await this.httpService.axiosRef.put(`${dto.target}/ack`, {});',
      "    await lastValueFrom(this.httpService.get('https://registry.internal.example/items/' + dto.id));",
      '    return reply.status;',
      '  }',
      '}',
    ]);
    assert.deepEqual(linesOf(findings, 'ssrf'), ['10', '11']);
  });
});

describe('request data in other clothes', () => {
  it('treats JSON.parse of query text as a possible operator object in a MongoDB filter, spread or whole', () => {
    const findings = scan([
      "import express from 'express';",
      "import { Order } from './models';",
      'const router = express.Router();',
      "router.get('/orders', async (req, res) => {",
      "  const extra = JSON.parse(String(req.query.filter || '{}'));",
      '  const spread = await Order.find({ ...extra, customer: req.user.id });',
      "  const whole = await Order.countDocuments(JSON.parse(req.query.match as string));",
      "  const text = await Order.find({ customer: String(req.query.customer) });",
      '  res.json({ spread, whole, text });',
      '});',
    ]);
    assert.deepEqual(linesOf(findings, 'nosql-injection'), ['6', '7']);
  });

  it('follows an uploaded file from Fastify multipart into a js-yaml 3 load', async () => {
    const source = [
      "const { load } = require('js-yaml');",
      'module.exports = async (app) => {',
      "  app.post('/settings/upload', async (request) => {",
      '    const part = await request.file();',
      '    const buffer = await part.toBuffer();',
      '    return load(buffer.toString());',
      '  });',
      '};',
    ].join('\n');
    const result = await new SecurityScanner(new MemoryWorkspace({ 'src/upload.js': source, 'package.json': JSON.stringify({ dependencies: { 'js-yaml': '3.14.0' } }) })).scan();
    assert.deepEqual(result.findings.filter((f) => f.ruleId === 'agent-orchestrator/insecure-deserialization').map((f) => f.line), [6]);
  });
});

describe('the tenant rule on a Fastify plugin with knex', () => {
  const migration = [
    'exports.up = (knex) => knex.schema',
    "  .createTable('workspaces', (t) => { t.uuid('id').primary(); t.string('name'); })",
    "  .createTable('documents', (t) => { t.uuid('id').primary(); t.uuid('tenant_id').notNullable(); t.text('body'); })",
    "  .createTable('audit_events', (t) => { t.increments('id'); t.string('kind'); });",
  ].join('\n');
  const plugin = (hook: string): string => [
    "const fp = require('fastify-plugin');",
    'module.exports = async function documentRoutes(app) {',
    hook,
    "  app.get('/:docId', async (request) => app.knex('documents').where('id', request.params.docId).first());",
    "  app.get('/:docId/copies', async (request) => {",
    "    const original = await app.knex('documents').where({ id: request.params.docId, tenant_id: request.user.tenantId }).first();",
    "    return app.knex('documents').where({ copy_of: original.id, kind: 'copy' });",
    '  });',
    "  app.patch('/:docId', async (request) => {",
    "    await app.knex('documents').where({ id: request.params.docId, tenant_id: request.user.tenantId }).update({ body: request.body.body });",
    "    return app.knex('audit_events').where({ id: request.params.docId }).first();",
    '  });',
    "  app.delete('/:docId', async (request) => {",
    "    const query = app.knex('documents').where({ id: request.params.docId });",
    "    query.andWhere('tenant_id', request.user.tenantId);",
    '    return query.del();',
    '  });',
    '};',
  ].join('\n');
  const files = (hook: string): Record<string, string> => ({
    'db/migrations/001_documents.js': migration,
    'src/auth.js': "module.exports = async (app) => app.decorate('verifyJwt', async (request) => { await request.jwtVerify(); });",
    'src/routes/documents.js': plugin(hook),
  });
  const tenantLines = async (hook: string): Promise<number[]> => {
    const result = await new SecurityScanner(new MemoryWorkspace(files(hook))).scan();
    return result.findings.filter((f) => f.ruleId === 'agent-orchestrator/missing-tenant-filter').map((f) => f.line);
  };

  it('reports a chain on a tenant table that never names the tenant column, behind a preHandler hook (not one keyed by a record already scoped)', async () => {
    assert.deepEqual(await tenantLines("  app.addHook('preHandler', app.verifyJwt);"), [4]);
  });

  it('stays silent on the same plugin when no hook authenticates its routes', async () => {
    assert.deepEqual(await tenantLines("  app.addHook('onSend', async (request, reply, payload) => payload);"), []);
  });
});

describe('checks and fixed hosts the auditor now trusts', () => {
  it('treats a same-file predicate (every return a test) as a guard before a redirect, and not a helper that returns text', () => {
    const findings = scan([
      'function allowedTarget(candidate) {',
      "  if (typeof candidate !== 'string') return false;",
      "  return candidate.charAt(0) === '/' && candidate.charAt(1) !== '/';",
      '}',
      "function trimmed(candidate) { return String(candidate).trim(); }",
      "app.get('/continue', (req, res) => {",
      '  const after = req.query.after;',
      "  if (!allowedTarget(after)) return res.redirect('/');",
      '  res.redirect(after);',
      '});',
      "app.get('/continue-unchecked', (req, res) => {",
      "  if (!trimmed(req.query.after)) return res.redirect('/');",
      '  res.redirect(req.query.after);',
      '});',
    ], 'src/routes/flow.js');
    assert.deepEqual(linesOf(findings, 'open-redirect'), ['13']);
  });

  it('does not report a request whose host is a constant origin and input only fills the path or query', () => {
    const findings = scan([
      "const axios = require('axios');",
      "const GEO_ORIGIN = 'https://geo.example.net';",
      "app.get('/geo', async (req, res) => {",
      '  const first = await axios.get(`${GEO_ORIGIN}/v2/lookup?ip=${req.query.ip}`);',
      "  const endpoint = new URL('https://geo.example.net/v2/reverse');",
      "  endpoint.searchParams.set('lat', req.query.lat);",
      '  const second = await fetch(endpoint);',
      '  const third = await fetch(`${req.query.base}/v2/lookup`);',
      '  res.json([first.data, await second.json(), await third.json()]);',
      '});',
    ], 'src/routes/geo.js');
    assert.deepEqual(linesOf(findings, 'ssrf'), ['8']);
  });
});

describe('the tenant rule on a NestJS controller with a TypeORM repository', () => {
  it('reports findOneBy by a URL id behind a guard on an entity with a tenant column, without a fix, and not a public handler', async () => {
    const entity = [
      "import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';",
      '@Entity()',
      'export class Invoice {',
      '  @PrimaryGeneratedColumn() id!: number;',
      '  @Column() tenantId!: string;',
      '  @Column() total!: number;',
      '}',
    ].join('\n');
    const controller = [
      "import { Controller, Get, Param, UseGuards } from '@nestjs/common';",
      "import { InjectRepository } from '@nestjs/typeorm';",
      "import { Repository } from 'typeorm';",
      "import { AuthGuard } from '@nestjs/passport';",
      "import { Invoice } from './invoice.entity';",
      "@Controller('invoices')",
      'export class InvoicesController {',
      '  constructor(@InjectRepository(Invoice) private readonly invoices: Repository<Invoice>) {}',
      "  @Get(':id')",
      "  @UseGuards(AuthGuard('jwt'))",
      "  show(@Param('id') id: string) {",
      '    return this.invoices.findOneBy({ id: Number(id) });',
      '  }',
      "  @Get('public/:id')",
      "  shared(@Param('id') id: string) {",
      '    return this.invoices.findOneBy({ id: Number(id) });',
      '  }',
      '}',
    ].join('\n');
    const result = await new SecurityScanner(new MemoryWorkspace({ 'src/invoice.entity.ts': entity, 'src/invoices.controller.ts': controller })).scan();
    const tenant = result.findings.filter((f) => f.ruleId === 'agent-orchestrator/missing-tenant-filter');
    assert.deepEqual(tenant.map((f) => `${f.file}:${f.line}`), ['src/invoices.controller.ts:12']);
    assert.equal(tenant[0]?.fixable, false);
    assert.match(tenant[0]?.manualFixReason ?? '', /the handler receives no request object/);
  });
});
