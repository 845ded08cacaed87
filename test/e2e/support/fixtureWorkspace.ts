// A fresh copy of examples/vulnerable-api per test run, so runs never see each other's sessions or edits.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'examples', 'vulnerable-api');

export interface FixtureWorkspace {
  readonly path: string;
  remove(): void;
}

/** Copies the example without node_modules or recorded sessions into a new temporary folder. */
export function copyExampleWorkspace(): FixtureWorkspace {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'ao-e2e-workspace-'));
  const dir = path.join(parent, 'vulnerable-api');
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (source) => {
      const name = path.basename(source);
      return name !== 'node_modules' && name !== '.agent-orchestrator';
    },
  });
  return { path: dir, remove: () => rmSync(parent, { recursive: true, force: true, maxRetries: 3 }) };
}
