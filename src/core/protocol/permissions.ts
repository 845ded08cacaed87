import { z } from 'zod';

/** "Tool" or "Tool(pattern)", as in Claude Code's permissions: "Edit", "Bash(npm test)", "Bash(npm run:*)", "Bash(rm *)". */
export const PERMISSION_RULE = /^([^()]+?)\s*(?:\((.*)\))?$/s;

const rule = z.string().trim().min(1).regex(PERMISSION_RULE, 'expected Tool or Tool(pattern), e.g. "Bash(npm test)"');

/** Which tool calls of model agents may run: deny beats ask beats allow; unnamed calls follow the run's flags. */
export const ApprovalPolicySchema = z
  .object({
    allow: z.array(rule).default([]),
    ask: z.array(rule).default([]),
    deny: z.array(rule).default([]),
  })
  .strict();
export type ApprovalPolicy = z.output<typeof ApprovalPolicySchema>;
