/** Byte helpers every layer shares (the raw layer is the bottom one, so all may import it). */

/** `parts` one after the other in one new Uint8Array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
