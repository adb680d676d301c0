// The lent ClientHello view (ts/oo/client-hello.ts) read whole on every ClientHello a fuzz target's
// server gets: a client-hello handler that reads each member (sessionId, extensionTypes, every
// extension() listed and some not, serverName with hostNameOf, the connection's own clientHello,
// clientHelloSessionId) and checks what it got against the view's promises; after the handshake,
// the name it read against the one OpenSSL took. Only a clean result or OpenSSL's own refusal.
import { clientHelloSessionId, type ClientHello, type Connection, type Context, type OpenSSL } from '../../ts/index.ts';
import { hostNameOf } from '../../ts/oo/client-hello.ts';
import { ContractViolation } from '../contract.ts';

const TLSEXT_TYPE_server_name = 0;
/** Types no seed sends (a GREASE value, the top one): extension() answers null unless listed. */
const UNSENT = [0x0a0a, 0xffff, 0xfe0d];

const violation = (what: string) => new ContractViolation(`client-hello view: ${what}`);
const throwsA = (fn: () => unknown, kind: Function) => { try { fn(); return false; } catch (e) { return e instanceof kind; } };

export interface HelloReading {
  /** The view's serverName, or undefined when the handler did not run for this input. */
  serverName: string | null | undefined;
  /** Whether the handler ran. */
  ran: boolean;
}

/** Installs the reading handler on `sctx`; reset() before each input, check() after it. */
export function readClientHellos(ossl: OpenSSL, sctx: Context) {
  let reading: HelloReading = { serverName: undefined, ran: false };
  let broken: ContractViolation | null = null;
  let lent: ClientHello | null = null;

  function read(connection: Connection, hello: ClientHello): void {
    if (hello.connection !== connection || connection.clientHello !== hello) throw violation('the hello lent is not the connection\'s');
    const id = hello.sessionId;
    if (!(id instanceof Uint8Array) || id.length > 32) throw violation(`sessionId of ${id?.length} bytes`);
    const types = hello.extensionTypes;
    if (!Array.isArray(types) || types.some(t => !Number.isInteger(t) || t < 0 || t > 0xffff)) throw violation(`extensionTypes ${types}`);
    for (const t of types) {
      if (!(hello.extension(t) instanceof Uint8Array)) throw violation(`extension(${t}) is null though extensionTypes lists it`);
    }
    for (const t of UNSENT) {
      if (!types.includes(t) && hello.extension(t) !== null) throw violation(`extension(${t}) answers though extensionTypes does not list it`);
    }
    for (const bad of [-1, 0x10000, 1.5, Number.NaN]) {
      if (!throwsA(() => hello.extension(bad), RangeError)) throw violation(`extension(${bad}) is not a RangeError`);
    }
    const sni = hello.extension(TLSEXT_TYPE_server_name);
    const host = sni && hostNameOf(sni);
    if (host && (host.buffer !== sni!.buffer || host.byteOffset < sni!.byteOffset + 5 || host.byteOffset + host.length > sni!.byteOffset + sni!.length)) {
      throw violation('hostNameOf answered bytes outside the extension');
    }
    const name = hello.serverName;
    if (name !== (host ? new TextDecoder().decode(host) : null)) throw violation(`serverName ${JSON.stringify(name)} is not hostNameOf's`);
    const resumes = clientHelloSessionId(ossl, connection);
    if (resumes !== null && (!(resumes instanceof Uint8Array) || resumes.length === 0 || resumes.length > 32)) throw violation(`clientHelloSessionId of ${resumes.length} bytes`);
    reading = { serverName: name, ran: true };
  }

  sctx.setClientHelloHandler((connection, hello) => {
    lent = hello;
    try {
      read(connection, hello);
    } catch (e) {
      broken = e instanceof ContractViolation ? e : violation(`reading it threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
      if (e !== broken) broken.cause = e;
      return 'error';
    }
    return 'success';
  });

  return {
    reset() { reading = { serverName: undefined, ran: false }; broken = null; lent = null; },
    /** After the input: what the handler found broken; the view unusable once returned; its name OpenSSL's. */
    check(srv: Connection): HelloReading {
      if (broken) throw broken;
      if (lent && !throwsA(() => lent!.sessionId, TypeError)) throw violation('the hello is still readable after the handler returned');
      // OpenSSL takes a name only from a server_name extension it parsed whole, the one the view read.
      const taken = srv.serverName;
      if (reading.ran && taken !== null && taken !== reading.serverName) {
        throw violation(`OpenSSL took the name ${JSON.stringify(taken)}, the view read ${JSON.stringify(reading.serverName)}`);
      }
      return reading;
    },
  };
}
