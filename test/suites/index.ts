// The one list of suites every runner loads. Add each new test/suites/*.suite.ts here;
// an explicit list (not a glob) works identically in vite, the browser and Deno.
import './harness.suite.ts';
import './loader.suite.ts';
import './default-instance.suite.ts';
import './modules.suite.ts';
import './raw-handshake.suite.ts';
import './spec-set-session.suite.ts';
import './spec-add-session.suite.ts';
import './streams.suite.ts';
import './sslapitest-sessions.suite.ts';
import './stores.suite.ts';
import './context.suite.ts';
import './server-store.suite.ts';
import './sealed-value.suite.ts';
import './objects.suite.ts';
import './indexeddb-store.suite.ts';
import './websocket-streams.suite.ts';
import './engine.suite.ts';
import './reentry.suite.ts';
import './instances.suite.ts';
import './early-data.suite.ts';
import './bounded-buffering.suite.ts';
import './trace-keying.suite.ts';
import './input-boundaries.suite.ts';
import './psk.suite.ts';
import './fuzz-corpus.suite.ts';
// Last: minutes of handshakes in one instance (see the file).
import './leak.suite.ts';
