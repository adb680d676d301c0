// The PRELUDE of a README example run in Node or Deno (readme-examples.mjs): imported before the
// example, untouched, in the same process. It gives the example what the README leaves to the
// reader, and nothing else:
//   - the free variables certPem, keyPem, caPem: the test fixtures' server certificate ("localhost",
//     signed by the test CA), its key, and the test CA;
//   - the hosts the example connects to, mapped to local servers (the harness passes the map in the
//     README_PRELUDE environment variable as JSON): `example.org:443` to a native `openssl s_server`
//     whose certificate, from the same CA, names example.org; `127.0.0.1:6379` to a redis-server;
//     `127.0.0.1:4433` to the example's own listener on 4433 if it made one, else to s_server;
//   - every port the example listens on moved to an ephemeral port on 127.0.0.1 (so examples never
//     collide with each other or anything else on the machine), printed as
//     `README_PRELUDE listening <port asked> -> <port given>` for the harness to connect to.
// The mapping is done where every TCP connection and listener of Node's `net` goes through
// (net.Socket.prototype.connect, net.Server.prototype.listen; the same in Deno's node:net), and in
// Deno.connect / Deno.listen, so the example's text stays exactly as the README has it.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const config = JSON.parse(process.env.README_PRELUDE ?? '{}');
for (const [name, file] of Object.entries(config.globals ?? {})) globalThis[name] = readFileSync(file, 'utf8');

const connectMap = new Map(Object.entries(config.connect ?? {})); // 'host:port' -> 'host:port'
const say = (text) => console.log(`README_PRELUDE ${text}`);
/** Where a connection to host:port really goes: { host, port }, or undefined to leave it be. */
function mapped(host, port) {
  const to = connectMap.get(`${host ?? 'localhost'}:${port}`);
  if (!to) return undefined;
  const i = to.lastIndexOf(':');
  return { host: to.slice(0, i), port: Number(to.slice(i + 1)) };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect() passes its normalized arguments as one array ([options, listener]).
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (options && typeof options === 'object' && options.port !== undefined) {
    const to = mapped(options.host, options.port);
    if (to) { say(`connect ${options.host ?? 'localhost'}:${options.port} -> ${to.host}:${to.port}`); Object.assign(options, to); }
  } else if (typeof options === 'number' || /^\d+$/.test(String(options))) {
    const host = typeof args[1] === 'string' ? args[1] : undefined;
    const to = mapped(host, options);
    if (to) {
      say(`connect ${host ?? 'localhost'}:${options} -> ${to.host}:${to.port}`);
      args = [to.port, to.host, ...args.slice(typeof args[1] === 'string' ? 2 : 1)];
    }
  }
  return connect.apply(this, args);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  let asked;
  if (typeof args[0] === 'number' || /^\d+$/.test(String(args[0]))) {
    asked = Number(args[0]);
    const rest = args.slice(typeof args[1] === 'string' ? 2 : 1);
    args = [0, '127.0.0.1', ...rest];
  } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined) {
    asked = Number(args[0].port);
    args[0] = { ...args[0], port: 0, host: '127.0.0.1' };
  }
  if (asked !== undefined) {
    this.once('listening', () => {
      const given = this.address().port;
      connectMap.set(`127.0.0.1:${asked}`, `127.0.0.1:${given}`);
      connectMap.set(`localhost:${asked}`, `127.0.0.1:${given}`);
      say(`listening ${asked} -> ${given}`);
    });
  }
  return listen.apply(this, args);
};

if (globalThis.Deno) {
  const { Deno } = globalThis;
  const denoConnect = Deno.connect.bind(Deno);
  Deno.connect = (options) => {
    const to = mapped(options.hostname ?? '127.0.0.1', options.port);
    if (to) say(`connect ${options.hostname}:${options.port} -> ${to.host}:${to.port}`);
    return denoConnect(to ? { ...options, hostname: to.host, port: to.port } : options);
  };
  const denoListen = Deno.listen.bind(Deno);
  Deno.listen = (options) => {
    const listener = denoListen({ ...options, hostname: '127.0.0.1', port: 0 });
    const given = listener.addr.port;
    connectMap.set(`127.0.0.1:${options.port}`, `127.0.0.1:${given}`);
    connectMap.set(`localhost:${options.port}`, `127.0.0.1:${given}`);
    say(`listening ${options.port} -> ${given}`);
    return listener;
  };
}
