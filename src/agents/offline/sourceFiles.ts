import type { WorkspaceFiles } from '../../core/ports';
import { looksGenerated } from './analysis/javascriptAst';

/** Larger files are generated or data, not code a person reviews; they are skipped with a note. */
export const MAX_REVIEWED_FILE_SIZE = 512 * 1024;

export interface ReviewedFile {
  file: string;
  text: string;
}

/** Test code: N+1 queries and markup there do not reach users. */
export function isTestFile(file: string): boolean {
  return /(?:^|\/)(?:test|tests|__tests__|spec|e2e|cypress)\//.test(file) || /\.(?:test|spec)\.[cm]?[jt]sx?$/.test(file);
}

/**
 * The workspace's files with these extensions that a person wrote: generated, minified and oversized files are
 * left out and listed in `skipped` with the reason, so the summary can say what was not read.
 */
export async function readReviewedFiles(workspace: WorkspaceFiles, extensions: readonly string[], signal: AbortSignal): Promise<{ files: ReviewedFile[]; skipped: { file: string; reason: string }[] }> {
  const files: ReviewedFile[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const file of await workspace.listFiles({ extensions, maxFiles: 5000 })) {
    signal.throwIfAborted();
    let text: string;
    try {
      text = await workspace.readFile(file);
    } catch (error) {
      skipped.push({ file, reason: `could not be read: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (text.length > MAX_REVIEWED_FILE_SIZE) skipped.push({ file, reason: `larger than ${MAX_REVIEWED_FILE_SIZE / 1024} KB` });
    else if (/\.[cm]?[jt]sx?$/.test(file) && looksGenerated(file, text)) skipped.push({ file, reason: 'minified or generated' });
    else files.push({ file, text });
  }
  return { files, skipped };
}
