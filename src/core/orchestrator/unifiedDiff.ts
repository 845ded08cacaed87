import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/** A unified diff (`--- a/file` / `+++ b/file`, 3 lines of context) of one file's change, for previews and reports. */
export function unifiedDiff(file: string, before: string, after: string): string {
  const name = file.replace(/\\/g, '/');
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
