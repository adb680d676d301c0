// The shared default instance the adapters use (ts/io/default-instance.ts): one instance for every
// caller, a failed load not cached, an instance a trap has broken replaced. Each test makes its own
// getter with sharedInstance(), the code defaultInstance is made of, so no state leaks between tests
// or into the adapters' own default instance.
import { InstanceFailedError, OpenSSL } from '../../ts/index.ts';
import { defaultInstance, sharedInstance } from '../../ts/io/default-instance.ts';
import { equal, match, ok, rejects, throws } from '../lib/assert.ts';
import { wasmURL } from '../lib/fixtures.ts';
import { versionPrefix } from '../lib/line.ts';
import { suite } from '../lib/suite.ts';

suite('default instance', test => {
  test('one instance for every caller, loaded once, also for concurrent first calls', async () => {
    let loads = 0;
    const get = sharedInstance(o => { loads++; return OpenSSL.load(o); });
    const [a, b] = await Promise.all([get({ wasm: wasmURL }), get({ wasm: wasmURL })]);
    ok(a === b, 'concurrent first calls share one load');
    ok(await get() === a, 'a later call gets the same instance');
    equal(loads, 1, 'loads');
    match(a.version, versionPrefix);
  });

  test('a failed load is not cached: its error says what to do, and the next call loads again', async () => {
    const get = sharedInstance();
    const err = await rejects(get({ wasm: new URL('./no-such.wasm', wasmURL) }));
    match((err as Error).message, /default instance could not be loaded \(openssl-wasm: could not load the module/);
    match((err as Error).message, /next call tries again.*OpenSSL\.load\(\{ wasm \}\).*`openssl` option/);
    ok((err as Error).cause instanceof Error, 'the load error is the cause');
    const ossl = await get({ wasm: wasmURL });
    match(ossl.version, versionPrefix);
    ok(await get() === ossl, 'the successful load is kept');
  });

  test('an instance a trap has broken is replaced on the next call', async () => {
    const get = sharedInstance();
    const first = await get({ wasm: wasmURL });
    const raw = first.raw;
    throws(() => raw.capi.SSL_SESSION_get_time_ex((raw.mem.memory.buffer.byteLength + 4096) as never), InstanceFailedError);
    const second = await get({ wasm: wasmURL });
    ok(second !== first, 'a new instance');
    ok(second.raw.failed === undefined, 'the new instance works');
    match(second.version, versionPrefix);
  });

  test('the adapters\' defaultInstance is one such getter: the same instance on every call', async () => {
    const a = await defaultInstance({ wasm: wasmURL });
    ok(await defaultInstance() === a, 'same instance');
  });
});
