// Sealed values (ts/stores/sealed-value.ts), the envelope the Redis stores write, in every runtime:
// the format is pinned by vectors computed with node:crypto's hkdfSync/createHmac/createCipheriv
// (another code path than WebCrypto), so a value sealed in one runtime opens in the others.
import { RedisSessionStore, RedisTicketKeyRing, SealedValueError, type RedisLike } from '../../ts/index.ts';
import { ValueSealer } from '../../ts/stores/sealed-value.ts';
import { equal, match, notEqual, ok, rejects, throws } from '../lib/assert.ts';
import { suite } from '../lib/suite.ts';
import { text } from '../lib/bytes.ts';

const counting = Uint8Array.from({ length: 32 }, (_, i) => i);
const random = () => crypto.getRandomValues(new Uint8Array(32));
const b64 = (text: string) => Uint8Array.from(atob(text), c => c.charCodeAt(0));
const utf8 = (text: string) => new TextEncoder().encode(text);

/** A client the constructors must not call: they refuse or accept before any command. */
const untouched: RedisLike = new Proxy({} as RedisLike, { get: () => { throw new Error('the store used Redis in its constructor'); } });

suite('sealed values', test => {
  test('the format: a known value opens in every runtime; names are HMAC-SHA256 under an HKDF subkey', async () => {
    const sealer = new ValueSealer([{ id: 'k1', key: counting }], 'test');
    const known = 'osw1.k1.ERERERERERERERERERERESIiIiIiIiIiIiIiIrd5nH6MXkm5f5l+wmE8t9qww4j7PuN3YLI=';
    const opened = await sealer.open(known, 'openssl-wasm:session:test');
    equal(text(opened.plaintext), 'a session');
    equal(opened.keyId, 'k1');
    const [name] = await sealer.names(new Uint8Array(32).fill(0xaa));
    equal(name, '4c552efbb0cfdfeb9eb614147d9b0cf78ee34e3460f1a07ae1252d787d42369d');
  });

  test('seal then open; every value has its own salt and nonce; the header names the key', async () => {
    const sealer = new ValueSealer([{ id: 'k1', key: random() }], 'test');
    const a = await sealer.seal(utf8('secret'), 'label'), b = await sealer.seal(utf8('secret'), 'label');
    notEqual(a, b, 'two seals of the same plaintext differ');
    match(a, /^osw1\.k1\.[A-Za-z0-9+/]+={0,2}$/);
    equal(b64(a.slice('osw1.k1.'.length)).length, 16 + 12 + 6 + 16, 'salt, nonce, ciphertext, tag');
    equal(text((await sealer.open(a, 'label')).plaintext), 'secret');
    ok(!a.includes(btoa('secret')), 'not the plaintext in base64');
  });

  test('altered, moved, or not sealed: open throws a SealedValueError naming what happened', async () => {
    const sealer = new ValueSealer([{ id: 'k1', key: random() }, { id: 'k0', key: random() }], 'test');
    const value = await sealer.seal(utf8('secret'), 'here');
    const body = b64(value.slice(8));
    for (const i of [0, 16, 28, body.length - 1]) { // salt, nonce, ciphertext, tag
      const altered = body.slice();
      altered[i] ^= 1;
      await rejects(sealer.open(`osw1.k1.${btoa(String.fromCharCode(...altered))}`, 'here'), /here does not open under key 'k1': it was altered/, `byte ${i}`);
    }
    await rejects(sealer.open(value, 'there'), /there does not open under key 'k1': .*moved here from another key/);
    await rejects(sealer.open(value.replace('osw1.k1.', 'osw1.k0.'), 'here'), /does not open under key 'k0'/, 'the key id is bound too');
    await rejects(sealer.open(value.replace('osw1.', 'osw2.'), 'here'), /does not hold a sealed value/);
    await rejects(sealer.open(btoa('a plaintext session'), 'here'), /does not hold a sealed value/);
    await rejects(sealer.open('osw1.k1.AAAA', 'here'), /too short/);
    const e = await rejects(sealer.open(value, 'there'));
    ok(e instanceof SealedValueError, 'a SealedValueError');
  });

  test('rotation: a new key first seals, the old one still opens; a key not given is named', async () => {
    const k1 = random(), k2 = random();
    const before = new ValueSealer([{ id: 'k1', key: k1 }], 'test');
    const after = new ValueSealer([{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }], 'test');
    const old = await before.seal(utf8('old'), 'l');
    const opened = await after.open(old, 'l');
    equal(`${text(opened.plaintext)} ${opened.keyId}`, 'old k1');
    const fresh = await after.seal(utf8('new'), 'l');
    match(fresh, /^osw1\.k2\./);
    equal(after.currentId, 'k2');
    await rejects(before.open(fresh, 'l'), /sealed under key id 'k2', which is not among the keys given \(k1\)/);
    // Names: one per key, the sealing key's first; the same key gives the same name in any instance.
    const id = random();
    const [n2, n1] = await after.names(id);
    equal((await before.names(id))[0], n1);
    notEqual(n1, n2);
    match(n1, /^[0-9a-f]{64}$/);
    ok(!n1.includes(Array.from(id, b => b.toString(16).padStart(2, '0')).join('')), 'not the id');
  });

  test("the caller's key buffer is copied: neither changed nor used after the constructor", async () => {
    const key = random(), copy = key.slice();
    const sealer = new ValueSealer([{ id: 'k1', key }], 'test');
    key.fill(0); // the application zeroes its own copy
    const value = await sealer.seal(utf8('x'), 'l');
    equal(text((await new ValueSealer([{ id: 'k1', key: copy }], 'test').open(value, 'l')).plaintext), 'x');
    const mine = random(), kept = mine.slice();
    await new ValueSealer([{ id: 'k1', key: mine }], 'test').seal(utf8('x'), 'l');
    equal(mine.join(), kept.join(), 'not zeroed under the caller');
    // A Node Buffer's slice() is a view: a "copy" made with it would be the caller's own bytes.
    class View extends Uint8Array { override slice(a?: number, b?: number) { return this.subarray(a, b); } }
    const buffer = new View(random()), before = Array.from(buffer).join();
    await new ValueSealer([{ id: 'k1', key: buffer }], 'test').seal(utf8('x'), 'l');
    equal(Array.from(buffer).join(), before, 'a Buffer-like key is not zeroed under the caller');
  });

  test('bad keys: a TypeError or RangeError naming the option and what to do', () => {
    throws(() => new ValueSealer([], 'S'), /S: options.keys must be a non-empty array/);
    throws(() => new ValueSealer([{ id: 'k1', key: new Uint8Array(16) }], 'S'), /S: options.keys\[0\].key \('k1'\) must be at least 32 random bytes, got 16 \(make one with `openssl rand -base64 32`\)/);
    throws(() => new ValueSealer([{ id: 'k.1', key: random() }], 'S'), /options.keys\[0\].id must be 1-32 of/);
    throws(() => new ValueSealer([{ id: 'a', key: random() }, { id: 'a', key: random() }], 'S'), /gives the id 'a' twice/);
    throws(() => new ValueSealer([{ id: 'a', key: 'x' as unknown as Uint8Array }], 'S'), TypeError);
  });

  test('the Redis stores refuse to start without keys, unless told insecurePlaintext', () => {
    for (const [Store, name] of [[RedisSessionStore, 'RedisSessionStore'], [RedisTicketKeyRing, 'RedisTicketKeyRing']] as const) {
      const make = (o?: object) => new (Store as new (c: RedisLike, o?: object) => unknown)(untouched, o);
      const e = throws(() => make(), TypeError) as Error;
      match(e.message, new RegExp(`^${name}: the second argument must be an options object`));
      const missing = throws(() => make({ prefix: 'x:' }), TypeError) as Error;
      match(missing.message, new RegExp(`^${name}: options.keys is missing\\. Redis would hold .* in the clear: pass keys: \\[\\{ id: 'k1', key \\}\\].*openssl rand -base64 32.*or pass insecurePlaintext: true`));
      throws(() => make({ keys: [{ id: 'k1', key: random() }], insecurePlaintext: true }), /give options.keys or options.insecurePlaintext, not both/);
      throws(() => make({ keys: [{ id: 'k1', key: new Uint8Array(8) }] }), RangeError);
      ok(make({ insecurePlaintext: true }), 'insecurePlaintext: starts');
      ok(make({ keys: [{ id: 'k1', key: random() }] }), 'with a key: starts');
    }
  });
});
