import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const repoRoot = path.resolve(__dirname, '..', '..');

/** A scratch copy of examples/vulnerable-api inside the repository, so the example's `npm test` finds tsx in the repository's node_modules. */
export function scratchCopyOfExample(): string {
  const dir = path.join(repoRoot, '.scratch', `it-${randomBytes(4).toString('hex')}`);
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(path.join(repoRoot, 'examples', 'vulnerable-api'), dir, { recursive: true });
  return dir;
}
