// The multi-tenant guarantee: nobody reads or changes another organization's data. These tests fail until
// the missing organizationId filters are added (the security auditor's mechanical fix does exactly that).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { db } from '../src/db.js';
import { as, login, resetData } from './helpers.js';

describe('tenant isolation', () => {
  beforeEach(resetData);

  it('does not show a user of another organization', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const result = await as(token).get('/auth/users/usr_bob');
    assert.equal(result.status, 404, `Acme's Alice could read Globex's Bob: ${JSON.stringify(result.body)}`);
  });

  it('does not show an invoice of another organization', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const result = await as(token).get('/invoices/inv_2001');
    assert.equal(result.status, 404, `Acme's Alice could read Globex's invoice: ${JSON.stringify(result.body)}`);
  });

  it('does not let a user change an invoice of another organization', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const result = await as(token).patch('/invoices/inv_2001', { status: 'paid' });
    assert.equal(result.status, 404);
    const invoice = await db.invoice.findUnique({ where: { id: 'inv_2001' } });
    assert.equal(invoice?.status, 'open');
  });
});
