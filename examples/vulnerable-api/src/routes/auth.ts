// Login and user profiles.
import { db, hashPassword, type User } from '../db.js';
import { HttpError, Router, type Request, type Response } from '../router.js';
import { authenticate, issueToken } from '../session.js';

function publicUser(user: User): Omit<User, 'passwordHash'> {
  const { passwordHash: _omitted, ...rest } = user;
  return rest;
}

/** Login is global (the organization is not known yet), so it looks users up outside any handler. */
async function findByCredentials(email: string, password: string): Promise<User | undefined> {
  const user = await db.user.findFirst({ where: { email } });
  return user && user.passwordHash === hashPassword(password) ? user : undefined;
}

export const authRouter = new Router();

authRouter.post('/login', async (req: Request, res: Response) => {
  const user = await findByCredentials(String(req.body.email ?? ''), String(req.body.password ?? ''));
  if (!user) throw new HttpError(401, 'Invalid email or password');
  res.json({ token: issueToken(user), user: publicUser(user) });
});

authRouter.get('/me', authenticate, async (req: Request, res: Response) => {
  res.json(publicUser(req.user));
});

// FLAW (missing tenant filter): any signed-in user can read any user of any organization by id.
authRouter.get('/users/:id', authenticate, async (req: Request, res: Response) => {
  const user = await db.user.findFirst({ where: { id: req.params.id } });
  if (!user) throw new HttpError(404, 'User not found');
  res.json(publicUser(user));
});
