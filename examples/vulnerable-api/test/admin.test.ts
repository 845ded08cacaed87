import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { config } from '../src/config.js';
import { app } from './helpers.js';

describe('admin', () => {
  it('is disabled until an admin token is configured', async () => {
    config.adminToken = '';
    const result = await app.handle({ method: 'GET', url: '/admin/organizations' });
    assert.equal(result.status, 503);
  });

  it('lists organizations with the admin token and refuses without it', async () => {
    config.adminToken = 'test-admin-token';
    const denied = await app.handle({ method: 'GET', url: '/admin/organizations', headers: { 'x-admin-token': 'wrong' } });
    assert.equal(denied.status, 403);
    const allowed = await app.handle({ method: 'GET', url: '/admin/organizations', headers: { 'x-admin-token': 'test-admin-token' } });
    assert.equal(allowed.status, 200);
    assert.deepEqual((allowed.body as { slug: string }[]).map((o) => o.slug), ['acme', 'globex']);
  });
});
