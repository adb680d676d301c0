// Tests of the test library itself: if assert.ts silently passed everything, every other
// suite would be meaningless, so each check here asserts that a failure IS detected.
import { OpenSSL } from '../../ts/index.ts';
import { suite, withLeakCheck, withTimeout } from '../lib/suite.ts';
import * as assert from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';

suite('harness', (test) => {
  test('throws returns the thrown error and checks its class', () => {
    const boom = new RangeError('boom 42');
    const got = assert.throws(() => { throw boom; }, RangeError);
    assert.equal(got, boom);
    assert.throws(() => { throw boom; }, /boom \d+/);
    // Wrong class and non-throwing functions must both be reported.
    assert.throws(() => assert.throws(() => { throw boom; }, TypeError), assert.AssertionError);
    assert.throws(() => assert.throws(() => 1), /expected function to throw/);
  });

  test('deepEqual detects a single differing byte', () => {
    const a = new Uint8Array([1, 2, 3, 4]);
    assert.deepEqual(a, new Uint8Array([1, 2, 3, 4]));
    const err = assert.throws(() => assert.deepEqual(a, new Uint8Array([1, 2, 9, 4])), assert.AssertionError);
    // The message must point at the offending index so failures are debuggable.
    assert.match((err as Error).message, /\$\[2\]/);
    assert.throws(() => assert.deepEqual(a, new Uint8Array([1, 2, 3])), /\.length/);
  });

  test('deepEqual compares nested objects and arrays', () => {
    assert.deepEqual({ a: [1, { b: 'x' }], c: null }, { a: [1, { b: 'x' }], c: null });
    assert.throws(() => assert.deepEqual({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] }), /\$\.a\[1\]\.b/);
    assert.throws(() => assert.deepEqual({ a: 1 }, { a: 1, b: undefined }), assert.AssertionError);
    assert.throws(() => assert.deepEqual([1, 2], { 0: 1, 1: 2 } as unknown as number[]), assert.AssertionError);
  });

  test('equal uses Object.is and shows actual vs expected', () => {
    assert.equal(NaN, NaN);
    assert.notEqual(0, -0);
    const err = assert.throws(() => assert.equal(1, 2, 'ctx'), assert.AssertionError) as Error;
    assert.match(err.message, /^ctx: /);
    assert.match(err.message, /actual: +1\n.*expected: +2/);
    assert.throws(() => assert.notEqual('a', 'a'), /differ/);
    assert.throws(() => assert.ok(0), /truthy/);
  });

  test('rejects awaits promises and functions', async () => {
    const err = await assert.rejects(Promise.reject(new TypeError('nope')), TypeError);
    assert.match((err as Error).message, /nope/);
    await assert.rejects(async () => { throw new Error('x'); }, /x/);
    await assert.rejects(
      assert.rejects(Promise.resolve(1)),
      /expected promise to reject/,
    );
  });

  test('the leak check after every test fails a test that leaves a handle, in an instance it loaded or in one loaded before', async () => {
    let left: { free(): void } | null = null;
    await assert.rejects(withLeakCheck(async () => {
      const ossl = await OpenSSL.load({ wasm: wasmURL });
      left = ossl.createContext({ role: 'client' });
    }), /leak check: the test left live handles in an instance it loaded: \{"Context":1/);
    const shared = await OpenSSL.load({ wasm: wasmURL }); // loaded outside the checked test, as a suite's cached instance
    left!.free();
    await assert.rejects(withLeakCheck(() => { left = shared.createContext({ role: 'client' }); }),
      /leak check: the test left live handles in an instance an earlier test loaded/);
    left!.free();
    await withLeakCheck(() => { shared.createContext({ role: 'client' }).free(); })();
  });

  test("a failed test's leftovers are reported by it alone: the next test on that instance is checked against them, and fails only for what it adds", async () => {
    const shared = await OpenSSL.load({ wasm: wasmURL });
    let left: { free(): void } | null = null;
    await assert.rejects(withLeakCheck(() => { left = shared.createContext({ role: 'client' }); throw new Error('the test itself failed'); }), /the test itself failed/);
    await withLeakCheck(() => { shared.createContext({ role: 'server' }).free(); })(); // not blamed for `left`
    let added: { free(): void } | null = null;
    await assert.rejects(withLeakCheck(() => { added = shared.createContext({ role: 'client' }); }),
      /leak check: .*\{"Context":2.*an earlier failed test left \{"Context":1/);
    added!.free();
    left!.free();
    await withLeakCheck(() => undefined)(); // both gone: the check is back to none
    await assert.rejects(withLeakCheck(() => { left = shared.createContext({ role: 'client' }); }), /leak check: .*\{"Context":1/);
    left!.free();
  });

  test('withTimeout (the Deno runner\'s bound on every test) fails a test that never settles, and passes one that does', async () => {
    await assert.rejects(withTimeout('a hung test', () => new Promise<void>(() => undefined), 20), /a hung test: timed out after 0\.02 s/);
    await assert.rejects(withTimeout('a failing test', () => Promise.reject(new Error('its own error')), 1000), /its own error/);
    await withTimeout('a quick test', () => new Promise<void>(r => setTimeout(r, 1)), 1000)();
  });

  test('match rejects non-matching strings', () => {
    assert.match('TLSv1.3', /^TLSv1\.[23]$/);
    assert.throws(() => assert.match('SSLv3', /^TLS/), /does not match/);
  });
});
