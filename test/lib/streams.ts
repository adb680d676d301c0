// Web Streams helpers shared by the stream-adapter suites.
import type { TLSStream } from '../../ts/index.ts';

/** Sends `text` over a TLS stream and collects everything until the peer closes. */
export async function request(stream: TLSStream, text: string): Promise<string> {
  const w = stream.writable.getWriter();
  await w.write(new TextEncoder().encode(text));
  let out = '';
  for await (const chunk of stream.readable as unknown as AsyncIterable<Uint8Array>) out += new TextDecoder().decode(chunk);
  await w.close().catch(() => undefined);
  return out;
}
