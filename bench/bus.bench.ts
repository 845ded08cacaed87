// Bus hot path: validated point-to-point FINDING_REPORT send->deliver with one subscriber, against a bare
// EventEmitter emitting the same object in the same run. Both loops await each send, as an agent awaits
// sendMessage. Bus and baseline alternate over several rounds and the median round is reported, so JIT warm-up
// and GC pauses do not favour whichever ran first.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { AgentCommunicationBus } from '../src/core/bus/agentCommunicationBus';
import type { MessageInput } from '../src/core/protocol/messages';
import { percentile, type Bench, type BenchRow } from './harness';

const ROUNDS = 5;
const WARMUP = 20_000;
const THROUGHPUT_MESSAGES = 300_000;
const LATENCY_SAMPLES = 100_000;

const input: MessageInput = {
  type: 'finding_report',
  priority: 'high',
  payload: {
    id: 'f1',
    ruleId: 'missing-org-check',
    severity: 'high',
    message: 'Missing organizationId validation',
    file: 'apps/web/src/server/api/routers/auth.ts',
    line: 42,
    column: 3,
    recommendation: 'Add organization isolation check',
    fixable: false,
  },
};

interface Target {
  /** Sends one message to the single subscriber. */
  send(): Promise<unknown> | void;
}

function busTarget(onDeliver: () => void): Target {
  // A counter id keeps randomUUID's cost out of the comparison; the orchestrator's ids are not the bus's cost.
  let n = 0;
  const bus = new AgentCommunicationBus({ newId: () => `m${++n}`, maxHistorySize: 1000 });
  bus.registerAgent('security-auditor', ['security_audit']);
  bus.registerAgent('backend-api-developer', ['backend_development']);
  bus.subscribe('backend-api-developer', onDeliver);
  return { send: () => bus.sendMessage('security-auditor', 'backend-api-developer', input) };
}

function emitterTarget(onDeliver: () => void): Target {
  const emitter = new EventEmitter();
  emitter.on('backend-api-developer', onDeliver);
  return { send: () => void emitter.emit('backend-api-developer', input) };
}

async function throughput(make: (onDeliver: () => void) => Target): Promise<number> {
  let delivered = 0;
  const target = make(() => {
    delivered++;
  });
  for (let i = 0; i < WARMUP; i++) await target.send();
  delivered = 0;
  const start = performance.now();
  for (let i = 0; i < THROUGHPUT_MESSAGES; i++) await target.send();
  const seconds = (performance.now() - start) / 1000;
  if (delivered !== THROUGHPUT_MESSAGES) throw new Error(`delivered ${delivered} of ${THROUGHPUT_MESSAGES}`);
  return THROUGHPUT_MESSAGES / seconds;
}

/** Microseconds from calling send until the subscriber runs, sorted. */
async function latencies(make: (onDeliver: () => void) => Target): Promise<number[]> {
  let deliveredAt = 0;
  const target = make(() => {
    deliveredAt = performance.now();
  });
  for (let i = 0; i < WARMUP; i++) await target.send();
  const samples = new Array<number>(LATENCY_SAMPLES);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const start = performance.now();
    await target.send();
    samples[i] = (deliveredAt - start) * 1000;
  }
  return samples.sort((a, b) => a - b);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 50);
}

export const busBench: Bench = async () => {
  const rates = { bus: [] as number[], emitter: [] as number[] };
  const p50 = { bus: [] as number[], emitter: [] as number[] };
  const p99 = { bus: [] as number[], emitter: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    rates.bus.push(await throughput(busTarget));
    rates.emitter.push(await throughput(emitterTarget));
    const busLatency = await latencies(busTarget);
    const emitterLatency = await latencies(emitterTarget);
    p50.bus.push(percentile(busLatency, 50));
    p50.emitter.push(percentile(emitterLatency, 50));
    p99.bus.push(percentile(busLatency, 99));
    p99.emitter.push(percentile(emitterLatency, 99));
  }
  const busRate = median(rates.bus);
  const emitterRate = median(rates.emitter);
  const round2 = (n: number): number => Number(n.toFixed(2));
  const rows: BenchRow[] = [
    {
      name: 'bus send->deliver throughput (validated FINDING_REPORT, 1 subscriber)',
      value: Math.round(busRate),
      unit: 'msgs/s',
      baseline: { name: 'EventEmitter emit of the same object', value: Math.round(emitterRate) },
      note: `baseline/bus = ${(emitterRate / busRate).toFixed(1)}x; median of ${ROUNDS} rounds of ${THROUGHPUT_MESSAGES} awaited sends`,
    },
  ];
  for (const [p, samples] of [[50, p50], [99, p99]] as const) {
    const bus = median(samples.bus);
    const emitter = median(samples.emitter);
    rows.push({
      name: `bus send->deliver latency p${p}`,
      value: round2(bus),
      unit: 'µs',
      baseline: { name: `EventEmitter emit->listener latency p${p}`, value: round2(emitter) },
      note: `median over ${ROUNDS} rounds of ${LATENCY_SAMPLES} samples; performance.now() resolution limits the baseline`,
    });
  }
  return rows;
};
