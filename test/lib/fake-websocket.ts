// The event plumbing every in-memory WebSocket of the tests shares, so each fake says only how its
// network behaves (what send() does, when messages and the close arrive).
import type { WebSocketLike } from '../../ts/index.ts';

export type WebSocketListener = (event: any) => void;

/** Listeners by event type, called in the order added; readyState, binaryType and bufferedAmount as fields. */
export abstract class FakeWebSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  readonly #listeners = new Map<string, Set<WebSocketListener>>();
  addEventListener(type: string, f: WebSocketListener): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(f);
  }
  removeEventListener(type: string, f: WebSocketListener): void {
    this.#listeners.get(type)?.delete(f);
  }
  /** Calls the listeners of `type` (a copy of the set: a listener may remove itself). */
  protected emit(type: string, event: object): void {
    for (const f of [...this.#listeners.get(type) ?? []]) f(event);
  }
  abstract send(data: Uint8Array): void;
  abstract close(code?: number, reason?: string): void;
}
