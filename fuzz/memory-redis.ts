// A RedisLike in memory (get, set with NX, del; EX not kept) for the redis-rings fuzz target only: a
// user's Redis holding whatever a fuzz input puts at a key, at fuzzing speed and in Chromium, where
// no redis-server runs. The rings against a real redis-server, including the values this target
// found, are tested by test/suites/redis-ring-values.suite.ts, redis-ring-edges and redis-secrets.
import type { RedisLike } from '../ts/stores/redis-store.ts';

export class MemoryRedis implements RedisLike {
  readonly values = new Map<string, string>();
  async get(key: string): Promise<string | null> { return this.values.get(key) ?? null; }
  async set(key: string, value: string, o: { EX: number; NX?: boolean }): Promise<'OK' | null> {
    if (o.NX && this.values.has(key)) return null;
    this.values.set(key, value);
    return 'OK';
  }
  async del(key: string): Promise<number> { return this.values.delete(key) ? 1 : 0; }
}
