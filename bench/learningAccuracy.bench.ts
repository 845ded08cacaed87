// How well learned durations predict the next run, on real runs: `agent-orchestrator run` (dist/cli.js, a fresh
// process each time, as a user runs it) repeated on a copy of examples/vulnerable-api with commands allowed (its
// tests run for real, against the repository's node_modules), with cut-off runs mixed in: one whole run stopped by
// --timeout (it cuts the auditor), one run of the test agent alone stopped by --agent-timeout (the case:
// a 500 ms cut taught "typical 1809 ms" for a 3.5 s agent).
// Before each run the plan carries every agent's estimate from the runs so far; after it, the agent's actual
// duration is compared with it. Scored: each agent of each full run that had >= 5 earlier samples.
//   coverage = share of actual durations inside the estimate's min..max (goal >= 80%);
//   point error = |estimated - actual| / actual (goal <= 25%).
// Baseline, from the same runs: the estimator this replaced (median; observed min..max, p10/p90 from 10 samples;
// successful runs only when any succeeded, else every run including the cut-off ones).
// LEARNING_ACCURACY_RUNS sets the number of full runs (default 10; two cut-off runs are added).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Estimate } from '../src/core/protocol/learning';
import type { Bench, BenchRow } from './harness';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const EXAMPLE_DIR = path.join(ROOT, 'examples', 'vulnerable-api');
const REQUEST = 'Fix security vulnerability in authentication endpoint';
const MIN_SAMPLES = 5;
/** Long enough to start the auditor, short enough to cut it off. */
const CUT_OFF_MS = 800;
/** Cuts the test agent, which runs the example's tests for a few seconds. */
const AGENT_CUT_OFF_MS = 500;

interface RunResult {
  status: string;
  plan: { agents: { name: string; estimatedDuration: Estimate | null }[] };
  agents: { name: string; status: string; durationMs: number | null }[];
}

interface Sample {
  duration: number;
  success: boolean;
}

function runOnce(workspace: string, limits: readonly string[] = []): RunResult {
  const args = [CLI, 'run', REQUEST, '-w', workspace, '--json', '--allow-commands', ...limits];
  // env without provider keys: offline agents only, as on a machine with no model configured.
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', HOME: os.homedir() } });
  if (child.error) throw child.error;
  try {
    return JSON.parse(child.stdout) as RunResult;
  } catch {
    throw new Error(`run printed no JSON (exit ${child.status}): ${child.stderr.slice(0, 500)}`);
  }
}

/** The estimator before this change, for the baseline. */
function previousEstimate(history: readonly Sample[]): { estimated: number; min: number; max: number } {
  const successes = history.filter((sample) => sample.success).map((sample) => sample.duration);
  const base = (successes.length > 0 ? successes : history.map((sample) => sample.duration)).sort((a, b) => a - b);
  const k = base.length;
  const middle = Math.floor(k / 2);
  const median = k % 2 === 1 ? (base[middle] as number) : ((base[middle - 1] as number) + (base[middle] as number)) / 2;
  const rank = (p: number): number => base[Math.min(k - 1, Math.max(0, Math.ceil((p / 100) * k) - 1))] as number;
  return { estimated: Math.round(median), min: k >= 10 ? rank(10) : (base[0] as number), max: k >= 10 ? rank(90) : (base[k - 1] as number) };
}

interface Score {
  scored: number;
  held: number;
  within25: number;
  errors: number[];
}

function score(target: Score, estimate: { estimated: number; min: number; max: number }, actual: number): void {
  target.scored++;
  if (actual >= estimate.min && actual <= estimate.max) target.held++;
  const error = Math.abs(estimate.estimated - actual) / Math.max(1, actual);
  if (error <= 0.25) target.within25++;
  target.errors.push(error);
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
}

export const learningAccuracyBench: Bench = async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build it first (node esbuild.mjs)`);
  const fullRuns = Number(process.env.LEARNING_ACCURACY_RUNS ?? 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-bench-learning-'));
  try {
    fs.cpSync(EXAMPLE_DIR, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
    // The example's tests need tsx: the repository's dependencies stand in for `npm install` in the copy.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const current: Score = { scored: 0, held: 0, within25: 0, errors: [] };
    const previous: Score = { scored: 0, held: 0, within25: 0, errors: [] };
    const history = new Map<string, Sample[]>();
    let cutOffRuns = 0;
    const cuts = new Map<number, string[]>([
      [2, ['--timeout', String(CUT_OFF_MS)]],
      [Math.max(3, Math.floor(fullRuns / 2) + 1), ['--agents', 'test-suite-developer', '--agent-timeout', String(AGENT_CUT_OFF_MS)]],
    ]);
    for (let run = 1; run <= fullRuns; run++) {
      const limits = cuts.get(run);
      if (limits) {
        const cut = runOnce(dir, limits);
        cutOffRuns++;
        for (const agent of cut.agents) {
          // The old estimator learned from these too (as failures); the new one leaves them out.
          if (agent.durationMs === null || agent.status !== 'failed') continue;
          history.set(agent.name, [...(history.get(agent.name) ?? []), { duration: agent.durationMs, success: false }]);
        }
      }
      const result = runOnce(dir);
      for (const agent of result.agents) {
        if (agent.durationMs === null || (agent.status !== 'completed' && agent.status !== 'failed')) continue;
        const past = history.get(agent.name) ?? [];
        const planned = result.plan.agents.find((entry) => entry.name === agent.name)?.estimatedDuration ?? null;
        if (planned !== null && planned.samples >= MIN_SAMPLES) {
          score(current, planned, agent.durationMs);
          score(previous, previousEstimate(past), agent.durationMs);
        }
        past.push({ duration: agent.durationMs, success: agent.status === 'completed' });
        history.set(agent.name, past);
      }
    }
    const percent = (part: number, whole: number): number => (whole === 0 ? Number.NaN : Math.round((1000 * part) / whole) / 10);
    const rows: BenchRow[] = [
      {
        name: `next run inside the estimate's min..max (agents with >= ${MIN_SAMPLES} samples)`,
        value: percent(current.held, current.scored),
        unit: '%',
        baseline: { name: 'previous: observed min..max', value: percent(previous.held, previous.scored) },
        note: `${current.scored} agent runs scored over ${fullRuns} full runs, ${cutOffRuns} cut-off runs mixed in (--timeout ${CUT_OFF_MS}; the test agent alone with --agent-timeout ${AGENT_CUT_OFF_MS}); goal >= 80%`,
      },
      {
        name: 'point estimate within 25% of the actual duration',
        value: percent(current.within25, current.scored),
        unit: '%',
        baseline: { name: 'previous estimator', value: percent(previous.within25, previous.scored) },
      },
      {
        name: 'median point error |estimated - actual| / actual',
        value: Math.round(1000 * medianOf(current.errors)) / 10,
        unit: '%',
        baseline: { name: 'previous estimator', value: Math.round(1000 * medianOf(previous.errors)) / 10 },
        note: 'goal <= 25%',
      },
    ];
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
