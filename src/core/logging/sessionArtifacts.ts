// The files a run leaves in the log folder, named after its session, and their removal when the session is pruned.
// The folder may be shared or planted with links (a cloned repository): only regular files with exactly these names
// are removed, never through a link, and never in a folder reached through one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFileError, isInside, realPathInside } from '../files/safeFiles';

/**
 * Every file named after a session: the runtime logger's log, dashboard and reports, the docs writer's summary and
 * the standalone HTML dashboard.
 */
export const SESSION_ARTIFACT_SUFFIXES = ['.log.md', '.dashboard.md', '.report.json', '.report.md', '.summary.md', '.dashboard.html'] as const;

/** Session ids become file names: keep them to characters every file system accepts. */
export function sessionFileBase(sessionId: string): string {
  return sessionId.replace(/[^A-Za-z0-9._-]/g, '_');
}

export interface RemovedArtifacts {
  removed: string[];
  /** Files that could not be removed, each with why; the rest were still removed. */
  problems: string[];
}

/**
 * Removes the artifacts of `sessionIds` from `logDir`. A folder inside `workspaceRoot` must be reached with no
 * symbolic link on the way (else nothing is removed and the error says why); a folder outside it was chosen by the
 * user. Links, folders and other non-regular files under an artifact's name are left alone.
 */
export function removeSessionArtifacts(logDir: string, sessionIds: readonly string[], workspaceRoot?: string): RemovedArtifacts {
  const dir = workspaceRoot !== undefined && isInside(workspaceRoot, logDir) ? realPathInside(workspaceRoot, logDir) : path.resolve(logDir);
  const result: RemovedArtifacts = { removed: [], problems: [] };
  for (const sessionId of sessionIds) {
    const base = sessionFileBase(sessionId);
    for (const suffix of SESSION_ARTIFACT_SUFFIXES) {
      const file = path.join(dir, `${base}${suffix}`);
      let stat: fs.Stats | undefined;
      try {
        stat = fs.lstatSync(file, { throwIfNoEntry: false });
        if (!stat?.isFile()) continue;
        // Swapped for a link since the lstat? unlink removes the link itself, never what it points to.
        fs.unlinkSync(file);
        result.removed.push(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        result.problems.push((describeFileError(error, file, 'remove') as Error).message);
      }
    }
  }
  return result;
}
