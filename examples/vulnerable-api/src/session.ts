// Signed session tokens (a compact JWT-like format: base64url(payload).base64url(hmac)).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { config } from './config.js';
import { db, type User } from './db.js';
import { HttpError, type Handler } from './router.js';

interface SessionPayload {
  sub: string;
  exp: number;
}

function sign(body: string): string {
  return createHmac('sha256', config.jwtSecret).update(body).digest('base64url');
}

export function issueToken(user: User, now = Date.now()): string {
  const payload: SessionPayload = { sub: user.id, exp: Math.floor(now / 1000) + config.tokenTtlSeconds };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(body)}`;
}

/** Returns the user a token belongs to, or undefined for a forged or expired token. */
export async function userForToken(bearer: string, now = Date.now()): Promise<User | undefined> {
  const [body, signature] = bearer.split('.');
  if (!body || !signature) return undefined;
  const expected = Buffer.from(sign(body));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload;
  if (payload.exp * 1000 < now) return undefined;
  return (await db.user.findUnique({ where: { id: payload.sub } })) ?? undefined;
}

/** Middleware: requires `Authorization: Bearer <token>` and sets req.user. */
export const authenticate: Handler = async (req, _res, next) => {
  const header = req.headers.authorization ?? '';
  const user = header.startsWith('Bearer ') ? await userForToken(header.slice('Bearer '.length)) : undefined;
  if (!user) throw new HttpError(401, 'Authentication required');
  req.user = user;
  await next();
};
