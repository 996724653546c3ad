// Per-isolate caches of derived values that take a promise to build (imported keys, a discovery
// document, a lazily loaded module): one build per key, shared by concurrent callers.

/** A Map or a WeakMap of promises. */
interface PromiseCache<K, V> {
  get(key: K): Promise<V> | undefined;
  set(key: K, value: Promise<V>): unknown;
  delete(key: K): unknown;
}

/** The cached promise for `key`, built by `build` on first use. A rejected one is dropped, so the next call tries again. */
export function cachedPromise<K, V>(cache: PromiseCache<K, V>, key: K, build: () => Promise<V>): Promise<V> {
  let promise = cache.get(key);
  if (!promise) {
    promise = build();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}
