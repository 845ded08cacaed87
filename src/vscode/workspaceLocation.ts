// Turns a workspace-relative path from agent output (a finding, a dashboard click, a tree item) into a file the
// editor may open. Agent output is untrusted: an absolute path, a `..` escape or a symlink that resolves outside
// the folder is refused, never opened. Free of `vscode` so it is unit-tested.
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export type WorkspacePathResult = { ok: true; absolutePath: string } | { ok: false; reason: string };

/** Absolute in POSIX or Windows form (`/x`, `\\x`, `C:\x`, `C:/x`). */
function isAbsoluteAnywhere(file: string): boolean {
  return path.posix.isAbsolute(file) || path.win32.isAbsolute(file) || /^[a-zA-Z]:/.test(file);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Lexical check only (no file system): the path stays inside `root`. Used where a file need not exist yet. */
export function resolveWorkspacePath(root: string, file: string): WorkspacePathResult {
  if (file.trim() === '' || file.includes('\0')) return { ok: false, reason: `"${file}" is not a file path` };
  if (isAbsoluteAnywhere(file)) return { ok: false, reason: `"${file}" is an absolute path; findings name workspace-relative files` };
  const absolutePath = path.resolve(root, file.split('\\').join('/'));
  if (!isInside(path.resolve(root), absolutePath)) return { ok: false, reason: `"${file}" points outside the workspace folder` };
  return { ok: true, absolutePath };
}

/** The lexical check, then the real path of the file (symlinks followed) must still be inside the real root. */
export async function resolveWorkspaceFile(root: string, file: string): Promise<WorkspacePathResult> {
  const lexical = resolveWorkspacePath(root, file);
  if (!lexical.ok) return lexical;
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(root);
    realFile = await realpath(lexical.absolutePath);
  } catch {
    return { ok: false, reason: `"${file}" does not exist in the workspace folder` };
  }
  if (!isInside(realRoot, realFile)) return { ok: false, reason: `"${file}" is a link to a file outside the workspace folder` };
  // The path as the workspace names it, so the editor tab matches the finding.
  return lexical;
}
