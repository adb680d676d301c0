/** Byte helpers every layer shares (the raw layer is the bottom one, so all may import it). */

/** `parts` one after the other in one new Uint8Array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * A Uint8Array over its own ArrayBuffer, as WebCrypto wants (BufferSource). Spelt through
 * Uint8Array.from so that the published types say `Uint8Array<ArrayBuffer>` to TypeScript 5.7 and
 * later and plain `Uint8Array` to older versions, which have no generic Uint8Array.
 */
export type OwnedBytes = ReturnType<typeof Uint8Array.from>;
