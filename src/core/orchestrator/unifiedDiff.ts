import { createTwoFilesPatch } from 'diff';

/** A unified diff of one file, as `git diff` would show it (a/ and b/ prefixes, 3 lines of context). */
export function unifiedDiff(file: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, '', '', { context: 3 });
}
