// Bytes as text, for assertions and messages.

/** UTF-8 text of `b`. */
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Lowercase hex of `b` (OpenSSL's own printing is uppercase: `.toUpperCase()` it). */
export const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
