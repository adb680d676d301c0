// A RedisLike in memory (get, set with NX, del; EX not kept): a user's Redis holding whatever a
// test or a fuzz input puts at a key, where a real redis-server cannot run (Chromium) or would only
// slow a loop down. The stores' Redis behaviour itself is tested against redis-server (io suites).
import type { RedisLike } from '../../ts/stores/redis-store.ts';

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
