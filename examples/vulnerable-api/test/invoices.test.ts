import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { as, login, resetData } from './helpers.js';

describe('invoices', () => {
  beforeEach(resetData);

  it('lists only the invoices of the caller organization', async () => {
    const token = await login('bob@globex.test', 'bob-pass');
    const result = await as(token).get('/invoices');
    assert.deepEqual((result.body as { id: string }[]).map((i) => i.id), ['inv_2001']);
  });

  it('reads and updates an invoice of the caller organization', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const read = await as(token).get('/invoices/inv_1001');
    assert.equal(read.status, 200);
    assert.equal((read.body as { customer: string }).customer, 'Wile E. Coyote');
    const updated = await as(token).patch('/invoices/inv_1001', { status: 'paid' });
    assert.equal(updated.status, 200);
    assert.equal((updated.body as { status: string }).status, 'paid');
  });

  it('searches invoices by status', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const result = await as(token).get('/invoices/search?status=open');
    assert.deepEqual((result.body as { id: string }[]).map((i) => i.id), ['inv_1001']);
  });

  it('quotes a discounted total', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const result = await as(token).post('/invoices/inv_1001/quote', { formula: 'total * 0.5' });
    assert.equal((result.body as { quoted: number }).quoted, 600);
  });
});
