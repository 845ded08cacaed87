// Operator endpoints, protected by a shared admin token.
import { exec } from 'node:child_process';
import { config } from '../config.js';
import { db } from '../db.js';
import { HttpError, Router, type Request, type Response } from '../router.js';

export const adminRouter = new Router();

function requireAdminToken(req: Request): void {
  if (!config.adminToken) throw new HttpError(503, 'Admin API disabled: set ADMIN_TOKEN');
  const token = req.headers['x-admin-token'];
  // FLAW (timing attack): !== stops at the first differing character, leaking the token byte by byte.
  if (token !== config.adminToken) throw new HttpError(403, 'Admin token required');
}

adminRouter.get('/organizations', async (req: Request, res: Response) => {
  requireAdminToken(req);
  res.json(await db.organization.findMany());
});

// FLAW (command injection): the host is passed to a shell, e.g. "example.com; cat /etc/passwd".
adminRouter.post('/diagnostics/ping', async (req: Request, res: Response) => {
  requireAdminToken(req);
  const output = await new Promise<string>((resolve) => {
    exec('ping -c 1 ' + String(req.body.host), { timeout: 5000 }, (error, stdout) => resolve(error ? error.message : stdout));
  });
  res.json({ output });
});
