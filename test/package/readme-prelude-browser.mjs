// The PRELUDE of a README example run in Chromium (readme-examples.mjs): bundled before the
// example, untouched, into the same page. It gives the example what the README leaves to the
// reader, and nothing else:
//   - the free variables certPem, keyPem, caPem (the test fixtures, as in readme-prelude.mjs);
//   - the relay the example names, mapped to the harness's: a WebSocket to `ws://127.0.0.1:8080/...`
//     goes to the package's own `openssl-wasm-relay` on an ephemeral port, and the URL's target
//     `127.0.0.1:4433` to the native `openssl s_server -www` the harness started (the only target
//     that relay allows).
// readme-config.mjs is written by the harness for each run: { globals, websocket, targets }.
import config from './readme-config.mjs';

for (const [name, text] of Object.entries(config.globals)) globalThis[name] = text;

const NativeWebSocket = globalThis.WebSocket;
function mappedURL(url) {
  let text = String(url);
  for (const [from, to] of Object.entries(config.websocket)) if (text.startsWith(from)) text = to + text.slice(from.length);
  for (const [from, to] of Object.entries(config.targets)) text = text.replace(from, to);
  if (text !== String(url)) console.log(`README_PRELUDE WebSocket ${url} -> ${text}`);
  return text;
}
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(url, protocols) { super(mappedURL(url), protocols); }
};
