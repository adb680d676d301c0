// webSocketStreams: a WebSocket as a byte stream pair, against a scripted WebSocket (no network),
// so every runtime checks the same rules: when it resolves or rejects, how the readable ends, what a
// write does while the socket is closing, and backpressure through bufferedAmount.
import { webSocketStreams } from '../../ts/index.ts';
import { equal, match, ok, rejects } from '../lib/assert.ts';
import { FakeWebSocket } from '../lib/fake-websocket.ts';
import { suite } from '../lib/suite.ts';
import { tick } from '../lib/wait.ts';

/** A WebSocket whose network the test plays: open(), receive(), peerClose(). */
class ScriptedWebSocket extends FakeWebSocket {
  readonly sent: number[] = [];
  readonly closes: [number | undefined, string | undefined][] = [];
  send(data: Uint8Array): void {
    this.sent.push(data.length);
    this.bufferedAmount += data.length;
  }
  close(code?: number, reason?: string): void {
    this.closes.push([code, reason]);
    if (this.readyState < 2) this.readyState = 2;
  }
  open(): void { this.readyState = 1; this.emit('open', {}); }
  receive(data: ArrayBuffer | string): void { this.emit('message', { data }); }
  fail(): void { this.emit('error', {}); }
  peerClose(code: number, reason = '', wasClean = true): void { this.readyState = 3; this.emit('close', { code, reason, wasClean }); }
  /** The peer's close frame has arrived; the close event comes later. */
  closing(): void { this.readyState = 2; }
}


suite('webSocketStreams', test => {
  test('resolves on open, binary messages in, writes out; the readable ends on a clean close', async () => {
    const ws = new ScriptedWebSocket();
    const pending = webSocketStreams(ws);
    equal(ws.binaryType, 'arraybuffer');
    ws.open();
    const { readable, writable } = await pending;
    ws.receive(new Uint8Array([1, 2]).buffer);
    ws.receive(new Uint8Array([3]).buffer);
    ws.peerClose(1000, 'bye');
    const reader = readable.getReader();
    const got: number[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(...r.value);
    equal(got.join(), '1,2,3');
    await rejects(writable.getWriter().write(new Uint8Array([1])), /closed/);
  });

  test('rejects when the socket closes before it opens, with the code and reason', async () => {
    const a = new ScriptedWebSocket();
    const pa = webSocketStreams(a);
    a.peerClose(1008, 'not allowed');
    match((await rejects(pa) as Error).message, /before it opened \(code 1008: not allowed\)/);
    const b = new ScriptedWebSocket();
    const pb = webSocketStreams(b);
    b.fail();
    b.peerClose(1006, '', false);
    match((await rejects(pb) as Error).message, /could not connect/);
  });

  test('a close with another code errors the readable; a write while closing rejects with that reason', async () => {
    const ws = new ScriptedWebSocket();
    const pending = webSocketStreams(ws);
    ws.open();
    const { readable, writable } = await pending;
    ws.closing();
    const write = writable.getWriter().write(new Uint8Array([1]));
    await tick(5);
    ws.peerClose(1008, "target 127.0.0.1:9 is not on the relay's allow-list");
    match((await rejects(write) as Error).message, /code 1008: target 127\.0\.0\.1:9 is not on the relay's allow-list/);
    match((await rejects(readable.getReader().read()) as Error).message, /code 1008/);
    equal(ws.sent.length, 0, 'nothing was sent on the closing socket');
  });

  test('a text message errors the readable and closes the socket with 4003 (the WebSocket API refuses 1003)', async () => {
    const ws = new ScriptedWebSocket();
    const pending = webSocketStreams(ws);
    ws.open();
    const { readable } = await pending;
    ws.receive('hello');
    match((await rejects(readable.getReader().read()) as Error).message, /text message/);
    equal(ws.closes[0]?.[0], 4003);
  });

  test('backpressure: a write waits while bufferedAmount is above highWaterMark; big writes are split', async () => {
    const ws = new ScriptedWebSocket();
    const pending = webSocketStreams(ws, { highWaterMark: 100_000, maxMessageSize: 65_536 });
    ws.open();
    const writer = (await pending).writable.getWriter();
    let done = false;
    const write = writer.write(new Uint8Array(150_000)).then(() => { done = true; });
    await tick(50);
    equal(ws.sent.join(), '65536,65536,18928', 'split into messages of at most maxMessageSize');
    ok(!done, 'the write waits while 150000 bytes are queued');
    ws.bufferedAmount = 60_000; // the network took some: below the mark
    await write;
    await writer.write(new Uint8Array(10)); // below the mark: no wait
    equal(ws.sent.length, 4);
    const closing = writer.close();
    equal(ws.closes.at(-1)?.[0], 1000, 'closing the writable closes the socket with 1000');
    ws.peerClose(1000);
    await closing;
  });
});
