// Shared test helpers: an app instance, login and authenticated requests.
import { db } from '../src/db.js';
import { createApp } from '../src/server.js';

export const app = createApp();

export function resetData(): void {
  db.reset();
}

export async function login(email: string, secret: string): Promise<string> {
  const result = await app.handle({ method: 'POST', url: '/auth/login', body: { email, password: secret } });
  const body = result.body as { token?: string };
  if (result.status !== 200 || !body.token) throw new Error(`login failed for ${email}: ${result.status}`);
  return body.token;
}

export function as(token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return {
    get: (url: string) => app.handle({ method: 'GET', url, headers }),
    post: (url: string, body: Record<string, unknown>) => app.handle({ method: 'POST', url, headers, body }),
    patch: (url: string, body: Record<string, unknown>) => app.handle({ method: 'PATCH', url, headers, body }),
  };
}
