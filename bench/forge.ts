// node-forge, client and server in this process, joined directly (its API is sans-I/O too). Forge
// speaks only TLS 1.0 and 1.1 with RSA key exchange (no (EC)DHE, no AEAD, no ECDSA): these figures
// are for TLS 1.0 (forge negotiates that with itself), TLS_RSA_WITH_AES_128_CBC_SHA, an RSA-2048
// certificate, and they are labelled so.
// Forge cannot read certificates signed with ECDSA, as the test CA signs them, so forge gets a
// self-signed certificate for the same RSA-2048 key (made here, by forge), which its client verifies.
import forge from 'node-forge';
import { checkReuse, fixtures, now } from './core.ts';

export const FORGE_LABEL = 'node-forge: TLS 1.0 (what forge negotiates with itself), RSA key exchange, AES-128-CBC-SHA, RSA-2048 (self-signed)';

type Conn = ReturnType<typeof forge.tls.createConnection>;

/** A self-signed certificate for the RSA fixture key, which forge can read and verify. */
function selfSigned(): string {
  const key = forge.pki.privateKeyFromPem(fixtures.rsaKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86400_000);
  const name = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export function forgeSetup() {
  const certPem = selfSigned();
  const caStore = forge.pki.createCaStore([certPem]);
  // Made once and shared: forge rebuilds a plain object handed to createConnection, emptying it.
  // Full handshakes use no cache: a forge server with one resumes its first session even for a
  // client that offers none.
  const newCache = () => forge.tls.createSessionCache({}, 100);
  const clientCache = newCache(), serverCache = newCache();
  const suites = [forge.tls.CipherSuites.TLS_RSA_WITH_AES_128_CBC_SHA];
  const pair = (cache: ReturnType<typeof newCache> | null, sCache: ReturnType<typeof newCache> | null) => {
    let client!: Conn, server!: Conn;
    let cDone = false, sDone = false, failure: Error | null = null, received = 0;
    const fail = (_c: Conn, e: { message: string }) => { failure ??= new Error(`forge: ${e.message}`); };
    server = forge.tls.createConnection({
      server: true,
      ...(sCache ? { sessionCache: sCache } : {}),
      cipherSuites: suites,
      connected: () => { sDone = true; },
      getCertificate: () => certPem,
      getPrivateKey: () => fixtures.rsaKey,
      tlsDataReady: c => { client.process(c.tlsData.getBytes()); },
      dataReady: c => { received += c.data.length(); c.data.clear(); },
      closed: () => {},
      error: fail,
    });
    client = forge.tls.createConnection({
      server: false,
      ...(cache ? { sessionCache: cache } : {}),
      cipherSuites: suites,
      virtualHost: 'localhost',
      caStore,
      connected: () => { cDone = true; },
      tlsDataReady: c => { server.process(c.tlsData.getBytes()); },
      dataReady: c => { c.data.clear(); },
      closed: () => {},
      error: fail,
    });
    return {
      client, server,
      done: () => cDone && sDone,
      failure: () => failure,
      received: () => received,
    };
  };

  let primed = false;
  return {
    /** One handshake (full, or resumed by session id from the last one): ms. */
    handshake(resume: boolean): number {
      if (resume && !primed) {
        // a full handshake that leaves its session in both caches
        const p = pair(clientCache, serverCache);
        p.client.handshake();
        if (!p.done() || p.failure()) throw p.failure() ?? new Error('forge: the handshake did not complete');
        p.client.close(); p.server.close();
        primed = true;
      }
      const t0 = now();
      const p = resume ? pair(clientCache, serverCache) : pair(null, null);
      p.client.handshake();
      const ms = now() - t0;
      if (p.failure()) throw p.failure();
      if (!p.done()) throw new Error('forge: the handshake did not complete');
      // forge marks a resumed session `resuming` (not in its typings); close() puts it back in the cache
      const resumed = (c: Conn) => Boolean((c.session as unknown as { resuming?: boolean } | null)?.resuming);
      checkReuse('forge', resume, resumed(p.client), resumed(p.server));
      p.client.close();
      p.server.close();
      return ms;
    },
    negotiated(): string {
      const p = pair(null, null);
      p.client.handshake();
      const v = p.client.version as { major: number; minor: number };
      return `TLSv1.${v.minor - 1} ${p.client.session?.cipherSuite?.name ?? '?'}`;
    },
    /** Moves `total` bytes client -> server in `chunk`-byte writes; MB/s of each `segment`. */
    bulk(total: number, segment: number, chunk: number) {
      const p = pair(null, null);
      p.client.handshake();
      if (!p.done()) throw new Error('forge: the handshake did not complete');
      const bytes = new Uint8Array(chunk);
      for (let i = 0; i < chunk; i++) bytes[i] = (i * 131 + 7) & 0xff;
      const data = forge.util.binary.raw.encode(bytes);
      const segments: number[] = [];
      const t0 = now();
      for (let sent = 0; sent < total;) {
        const ts = now();
        const end = Math.min(total, sent + segment);
        for (; sent < end; sent += chunk) p.client.prepare(data);
        if (p.received() !== sent) throw new Error(`forge bulk: sent ${sent}, received ${p.received()}`);
        segments.push((segment / 1e6) / ((now() - ts) / 1000));
      }
      return { segments, overall: (total / 1e6) / ((now() - t0) / 1000) };
    },
  };
}
