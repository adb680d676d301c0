// The WebSocket class for tests in Node and Deno.
import type { WebSocketConstructor } from '../../ts/index.ts';

/** The global WebSocket (Deno, Node 22+), or the `ws` package's (Node 20), loaded by name at run time. */
export async function webSocketClass(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  return wsPackage() as Promise<WebSocketConstructor>;
}

/** The `ws` package's WebSocket (pause(), resume(), its events), by name so that vite leaves it alone. */
export async function wsPackage(): Promise<any> {
  const name = 'ws';
  return (await import(/* @vite-ignore */ name)).WebSocket;
}
