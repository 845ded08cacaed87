// Arguments of `agentOrchestrator.orchestrateRequest` when another command, a keybinding or a test passes them:
// they are the explicit flags (no pickers). Validated because anything can call a command.
import { z } from 'zod';
import { parseOrThrow } from '../core/protocol/validation';

export const OrchestrateArgsSchema = z
  .object({
    request: z.string().trim().min(1),
    /** Write the fixes to the workspace (otherwise they are reported as diffs). @default false */
    apply: z.boolean().default(false),
    /** Let agents run the workspace's commands (its tests). @default false */
    allowCommands: z.boolean().default(false),
    /**
     * Ask in the window before each edit and command (with apply and allowCommands: the run may write and run
     * what the user approves, one by one).
     */
    askBeforeChanges: z.boolean().optional(),
    /** Run only these agents. */
    agents: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type OrchestrateArgs = z.output<typeof OrchestrateArgsSchema>;

/** null when the command was invoked without arguments (the palette, a menu): the pickers ask. */
export function parseOrchestrateArgs(value: unknown): OrchestrateArgs | null {
  if (value === undefined || value === null) return null;
  return parseOrThrow(OrchestrateArgsSchema, value, 'arguments of Orchestrate Request');
}
