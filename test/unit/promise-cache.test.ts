// cachedPromise: one build per key shared by concurrent callers; a rejected build is not kept.
import { describe, expect, it } from 'vitest';
import { cachedPromise } from '../../src/lib/promise-cache';

describe('cachedPromise', () => {
  it('builds once per key and shares the promise', async () => {
    const cache = new Map<string, Promise<number>>();
    let builds = 0;
    const build = async () => ++builds;
    const [a, b] = await Promise.all([cachedPromise(cache, 'k', build), cachedPromise(cache, 'k', build)]);
    expect([a, b, builds]).toEqual([1, 1, 1]);
    expect(await cachedPromise(cache, 'other', build)).toBe(2);
  });

  it('drops a rejected build, so the next call builds again', async () => {
    const cache = new WeakMap<object, Promise<string>>();
    const key = {};
    let attempts = 0;
    const build = async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('offline');
      return 'ok';
    };
    await expect(cachedPromise(cache, key, build)).rejects.toThrow('offline');
    await Promise.resolve(); // the cache forgets it once the rejection is observed
    expect(await cachedPromise(cache, key, build)).toBe('ok');
    expect(attempts).toBe(2);
  });
});
