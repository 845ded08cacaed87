import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { app, as, login, resetData } from './helpers.js';

describe('auth', () => {
  beforeEach(resetData);

  it('logs in with the right password and returns the user without its hash', async () => {
    const result = await app.handle({ method: 'POST', url: '/auth/login', body: { email: 'alice@acme.test', password: 'alice-pass' } });
    assert.equal(result.status, 200);
    const body = result.body as { token: string; user: Record<string, unknown> };
    assert.ok(body.token.length > 20);
    assert.equal(body.user.email, 'alice@acme.test');
    assert.equal('passwordHash' in body.user, false);
  });

  it('rejects a wrong password', async () => {
    const result = await app.handle({ method: 'POST', url: '/auth/login', body: { email: 'alice@acme.test', password: 'nope' } });
    assert.equal(result.status, 401);
  });

  it('requires a valid token', async () => {
    assert.equal((await app.handle({ method: 'GET', url: '/auth/me' })).status, 401);
    assert.equal((await as('forged.token').get('/auth/me')).status, 401);
  });

  it('shows the signed-in user and colleagues of the same organization', async () => {
    const token = await login('alice@acme.test', 'alice-pass');
    const me = await as(token).get('/auth/me');
    assert.equal((me.body as { id: string }).id, 'usr_alice');
    const colleague = await as(token).get('/auth/users/usr_adam');
    assert.equal(colleague.status, 200);
    assert.equal((colleague.body as { name: string }).name, 'Adam');
  });
});
