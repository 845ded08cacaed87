// Imported first by main.ts, before any schema is built. Zod compiles fast parsers with `new Function` unless told
// not to; the webview's CSP has no 'unsafe-eval', so that attempt would be refused and reported as a CSP violation.
import { z } from 'zod';

z.config({ jitless: true });
