// ECH checks shared by the suites that move ECH keys around (fleet rings, Redis edges).
import { handshakeInMemory, transfer, type Context } from '../../ts/index.ts';

/** One client connection offering `configList` to `server`, closed and freed; the server's ECH status. */
export function echStatusWith(client: Context, server: Context, configList: Uint8Array): string | undefined {
  const c = client.createConnection({ serverName: 'localhost', ech: { configList } });
  const s = server.createConnection();
  try {
    handshakeInMemory(c, s);
    c.shutdown();
    transfer(c, s);
    return s.ech?.status;
  } finally {
    c.free();
    s.free();
  }
}
