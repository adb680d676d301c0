// TLSEngine, the main entry's free functions and the Web Streams adapter, swept: after free and with
// wrong types, each a clear error; a 256 MiB write goes out in slices; a connection freed under a
// running stream ends it with a FreedHandleError.
// The sweep's machinery and tables are in test/lib/api-sweep/. Every test ends with the harness's
// leak check (no handle left in any instance).
import * as api from '../../ts/index.ts';
import { ForeignHandleError, FreedHandleError, TLSEngine, handshakeInMemory, type EngineEvents } from '../../ts/index.ts';
import * as assert from '../lib/assert.ts';
import { pipePair } from '../lib/memory-pair.ts';
import { suite } from '../lib/suite.ts';
import { isInternal, outcome, describe, expectThrow, noProblems, withWorld } from '../lib/api-sweep/sweep.ts';
import { EXPORTS, TLS_ENGINE } from '../lib/api-sweep/exports.ts';

suite('public API sweep: TLSEngine, the free functions and Web Streams', test => {
  test('TLSEngine.write of 256 MiB goes out in slices: linear memory grows by one slice, not by the data', () => withWorld(async w => {
    const c = w.client.createConnection({ serverName: 'localhost' }), s = w.server.createConnection();
    handshakeInMemory(c, s);
    s.free();
    let sent = 0, transmits = 0;
    const errors: Error[] = [];
    const engine = new TLSEngine(c, {
      transmit: b => { sent += b.length; transmits++; }, plaintext: () => undefined, secure: () => undefined,
      peerClosed: () => undefined, error: e => errors.push(e),
    });
    engine.start();
    const memory = w.o.stats().memorySize;
    const size = 256 << 20;
    engine.write(new Uint8Array(size));
    assert.deepEqual(errors.map(describe), []);
    assert.ok(sent > size, `all of it went out, encrypted (${sent} bytes)`);
    assert.ok(transmits > 1, 'in more than one piece');
    const grown = w.o.stats().memorySize - memory;
    assert.ok(grown <= 4 << 20, `linear memory grew by ${grown} bytes`);
    c.free();
  }));

  test('TLSEngine and the free functions: after free, wrong types; each a clear error', () => withWorld(async w => {
    const problems: string[] = [];
    const events = (): EngineEvents => ({ transmit: () => undefined, plaintext: () => undefined, secure: () => undefined, peerClosed: () => undefined, error: () => undefined });
    // A TLSEngine over a freed connection: refused when made, or its first step reports the error.
    const dead = w.client.createConnection({ serverName: 'localhost' });
    dead.free();
    expectThrow(problems, 'new TLSEngine(freed)', () => new TLSEngine(dead, events()), FreedHandleError);
    // Twice on one connection: refused, the first engine unharmed; so is a TLS stream over it.
    const once = w.client.createConnection({ serverName: 'localhost' });
    new TLSEngine(once, events());
    expectThrow(problems, 'new TLSEngine(a connection another engine drives)', () => new TLSEngine(once, events()), TypeError);
    expectThrow(problems, 'tlsOverStreams(a connection an engine drives)', () => api.tlsOverStreams(once, pipePair()[0]), TypeError);
    once.free();
    for (const [name, row] of Object.entries(TLS_ENGINE)) {
      if (isInternal(row)) continue;
      const c = w.client.createConnection({ serverName: 'localhost' });
      const errors: Error[] = [];
      const engine = new TLSEngine(c, { ...events(), error: e => errors.push(e) });
      c.free(); // under the engine: each method reports it through 'error', or does nothing once finished
      const r = outcome(() => row.use(engine, w));
      if (!r.ok && !(r.error instanceof FreedHandleError) && !/closed/.test((r.error as Error).message)) problems.push(`TLSEngine.${name} over a freed connection: ${describe(r.error)}`);
      if (errors.some(e => !(e instanceof FreedHandleError))) problems.push(`TLSEngine.${name}: reported ${errors.map(describe).join('; ')}`);
      for (const [i, call] of (row.wrong ?? []).entries()) {
        const c2 = w.client.createConnection({ serverName: 'localhost' });
        const e2 = new TLSEngine(c2, events());
        expectThrow(problems, `TLSEngine.${name} (wrong type ${i + 1})`, () => call(e2, w), TypeError, RangeError);
        c2.free();
      }
    }
    for (const [name, row] of Object.entries(EXPORTS)) {
      if (typeof row === 'string') continue;
      for (const [i, call] of (row.freed ?? []).entries()) expectThrow(problems, `${name} (after free ${i + 1})`, () => call(w), FreedHandleError);
      for (const [i, call] of (row.foreign ?? []).entries()) expectThrow(problems, `${name} (foreign handle ${i + 1})`, () => call(w), ForeignHandleError);
      for (const [i, call] of (row.wrong ?? []).entries()) expectThrow(problems, `${name} (wrong type ${i + 1})`, () => call(w), TypeError, RangeError);
    }
    noProblems(problems);
  }));

  test('Web Streams: a connection freed under a running stream ends it with a FreedHandleError saying so, not a truncation', () => withWorld(async w => {
    for (const when of ['in onSession', 'by the program after the handshake'] as const) {
      const [a, b] = pipePair();
      let stream!: api.TLSStream;
      stream = api.tlsOverStreams(w.client.createConnection({ serverName: 'localhost' }), a,
        { onSession: () => { if (when === 'in onSession' && stream.connection.alive) stream.connection.free(); } });
      const server = api.tlsOverStreams(w.server.createConnection(), b);
      server.readable.pipeTo(new WritableStream()).catch(() => undefined);
      await stream.handshake;
      if (when !== 'in onSession') {
        stream.connection.free();
        // The server says something: the client's stream meets its freed connection.
        const writer = server.writable.getWriter();
        await writer.write(new TextEncoder().encode('hello'));
        writer.releaseLock();
      }
      const e = await stream.closed.then(() => null, (e: unknown) => e);
      assert.ok(e instanceof FreedHandleError, `${when}: a FreedHandleError, got ${describe(e)}`);
      assert.match((e as Error).message, /connection was freed while the stream was running/);
      assert.ok(!/transport closed before/.test((e as Error).message), 'not reported as a truncation');
      await server.writable.abort(new Error('done')).catch(() => undefined);
      await server.closed.catch(() => undefined);
    }
  }));
});
