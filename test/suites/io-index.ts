// Suites that need sockets or processes: real peers (native OpenSSL, Node's tls) and the Node and
// Deno adapters. Loaded by the node project and by Deno, never in the browser (no sockets there).
import './interop-native.suite.ts';
import './deno-adapter.suite.ts';
import './reentry-io.suite.ts';
import './api-sweep-io.suite.ts';
import './stores-io.suite.ts';
import './cli.suite.ts';
import './cli-client.suite.ts';
import './cli-server.suite.ts';
import './relay.suite.ts';
import './fleet.suite.ts';
import './redis-secrets.suite.ts';
import './websocket.suite.ts';
import './browser-e2e.suite.ts';
import './build.suite.ts';
import './reproducible.suite.ts';
import './bounded-buffering-io.suite.ts';
import './trace-keying-io.suite.ts';
import './node-adapter.suite.ts';
import './node-tls-sessions.suite.ts';
import './sni-tickets.suite.ts';
import './ticket-rotation.suite.ts';
import './psk-io.suite.ts';
import './early-data-io.suite.ts';
import './early-data-fleet.suite.ts';
