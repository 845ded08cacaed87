// Files the end-to-end tests leave for people: screenshots and logs under test-results/ (gitignored, kept by CI).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const TEST_RESULTS_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results');

/** Absolute path of an artifact, with test-results/ created; `name` is made safe for a file name. */
export function artifactPath(name: string): string {
  mkdirSync(TEST_RESULTS_DIR, { recursive: true });
  return path.join(TEST_RESULTS_DIR, name.replace(/[^\w.-]+/g, '-'));
}

export function writeArtifact(name: string, text: string): string {
  const file = artifactPath(name);
  writeFileSync(file, text);
  return file;
}

/** Removes the artifacts whose names start with `prefix` (a suite's failure screenshots of an earlier run). */
export function removeArtifacts(prefix: string): void {
  mkdirSync(TEST_RESULTS_DIR, { recursive: true });
  for (const name of readdirSync(TEST_RESULTS_DIR)) if (name.startsWith(prefix)) rmSync(path.join(TEST_RESULTS_DIR, name), { force: true });
}
