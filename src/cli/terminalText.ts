// Text from a workspace, a request, a model or a stored session is untrusted: printed raw, an escape sequence in
// a file name can retitle the terminal, clear the screen or forge output. Everything the CLI prints goes through
// sanitizeForTerminal first; colours are added after, so they are the only escape sequences that reach the terminal.

/** C0 controls (tab and newline aside), DEL, C1 controls, and the bidirectional overrides of Trojan Source. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escaped(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as a visible escape (`\x1b`, `\x07`, `\u202e`), never raw. Newlines
 * are kept only with `keepNewlines` (multi-line output such as a report); in a one-line value a newline would
 * forge a line of its own, so it is escaped too.
 */
export function sanitizeForTerminal(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? UNSAFE : UNSAFE_OR_NEWLINE, escaped);
}

/** JSON.stringify leaves DEL, C1 controls and bidi overrides raw (it escapes only C0): written as `\uXXXX` escapes
 * they mean the same to a JSON reader and nothing to a terminal. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `JSON.stringify(value, null, indent)` safe to print on a terminal, and still the same JSON. */
export function jsonForTerminal(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
