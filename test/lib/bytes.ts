// Bytes as text, for assertions and messages.

/** UTF-8 text of `b`. */
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Lowercase hex of `b` (OpenSSL's own printing is uppercase: `.toUpperCase()` it). */
export const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');

/** The bytes of hex text (either case). */
export const unhex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], x => parseInt(x, 16));
