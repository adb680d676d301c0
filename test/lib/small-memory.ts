// A copy of the module whose linear memory may grow only to `maxPages` 64 KiB pages, so a test can
// exhaust it in megabytes instead of the 2 GiB the shipped module allows.

function readLeb(b: Uint8Array, at: number): [value: number, next: number] {
  let value = 0, shift = 0, byte: number;
  do {
    byte = b[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** The module's bytes with the maximum of its (one, defined) memory set to `maxPages`. */
export function withMaximumMemory(module: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let at = 8, found = false;
  while (at < module.length) {
    const id = module[at]!;
    const [size, body] = readLeb(module, at + 1);
    const end = body + size;
    if (id === 5) { // the memory section: count, then limits (flags, min, max)
      let p = body;
      const [count, p1] = readLeb(module, p); p = p1;
      if (count !== 1) throw new Error(`withMaximumMemory: ${count} memories`);
      const flags = module[p++]!;
      const [min, p2] = readLeb(module, p); p = p2;
      if (flags & 1) p = readLeb(module, p)[1];
      if (maxPages < min) throw new Error(`withMaximumMemory: the module starts with ${min} pages`);
      const payload = [...leb(1), flags | 1, ...leb(min), ...leb(maxPages), ...module.subarray(p, end)];
      parts.push(new Uint8Array([5, ...leb(payload.length), ...payload]));
      found = true;
    } else {
      parts.push(module.subarray(at, end));
    }
    at = end;
  }
  if (!found) throw new Error('withMaximumMemory: the module defines no memory');
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
}
