// Reproducible randomness for tests that pick random moments: the seed is printed on failure and can be replayed.

/** A seeded generator (mulberry32): `next()` in [0, 1), `int(from, to)` inclusive, `shuffle` in place. */
export class SeededRandom {
  readonly seed: number;
  #state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /**
   * Seeded from the environment variable `variable` when set (to replay a failure), else at random. Every test
   * that uses it should name the seed and the variable in its failure messages, see `withSeed`.
   */
  static fromEnv(variable: string): SeededRandom {
    const given = process.env[variable];
    if (given !== undefined && given !== '') {
      const seed = Number(given);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`${variable} must be an integer from 0 to 4294967295, not ${given}`);
      return new SeededRandom(seed);
    }
    return new SeededRandom(Math.floor(Math.random() * 0x100000000));
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  }

  int(from: number, to: number): number {
    return from + Math.floor(this.next() * (to - from + 1));
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** Runs `body`; if it throws, the error's message names the seed and how to replay it. */
export async function withSeed<T>(random: SeededRandom, variable: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof Error) {
      // Reporters print the message or the stack, depending on the error: name the seed in both.
      const note = `random seed ${random.seed}; replay with ${variable}=${random.seed}`;
      error.message = `${note}: ${error.message}`;
      if (error.stack) error.stack = `${note}\n${error.stack}`;
    }
    throw error;
  }
}
