import { strict as assert } from 'node:assert';
import { RECENT_REQUESTS_KEY, RecentRequests, requestChoices, withRecentRequest, type KeyValueStore } from '../../../src/vscode/recentRequests';

function memoryStore(initial: Record<string, unknown> = {}): KeyValueStore & { data: Record<string, unknown> } {
  const data = { ...initial };
  return {
    data,
    get: <T>(key: string) => data[key] as T | undefined,
    update: async (key: string, value: unknown) => {
      data[key] = value;
    },
  };
}

describe('recent requests', () => {
  it('keeps the 10 most recent, newest first, without duplicates', async () => {
    const store = memoryStore();
    const recent = new RecentRequests(store);
    for (let i = 1; i <= 12; i++) await recent.add(`request ${i}`);
    await recent.add('  request 5 ');
    const list = recent.list();
    assert.equal(list.length, 10);
    assert.deepEqual(list.slice(0, 3), ['request 5', 'request 12', 'request 11']);
    assert.equal(list.filter((entry) => entry === 'request 5').length, 1);
  });

  it('ignores what is not a list of strings in the stored state', () => {
    const recent = new RecentRequests(memoryStore({ [RECENT_REQUESTS_KEY]: ['ok', 3, '', null] }));
    assert.deepEqual(recent.list(), ['ok']);
    assert.deepEqual(new RecentRequests(memoryStore({ [RECENT_REQUESTS_KEY]: 'oops' })).list(), []);
  });

  it('does not record a blank request', () => {
    assert.deepEqual(withRecentRequest(['a'], '   '), ['a']);
  });

  it('offers the typed text first as "Run: <text>", then the recent requests', () => {
    const choices = requestChoices(['Fix auth', 'Add tests'], 'Fix auth');
    assert.deepEqual(choices, [
      { kind: 'typed', label: 'Run: Fix auth', request: 'Fix auth' },
      { kind: 'recent', label: 'Add tests', request: 'Add tests' },
    ]);
    assert.deepEqual(requestChoices(['Fix auth'], '  ').map((choice) => choice.kind), ['recent']);
  });
});
