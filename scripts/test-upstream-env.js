// --pre-js of OpenSSL's test programs (scripts/test-upstream.sh): emscripten's runtime gives a
// program a fixed environment of its own; pass Node's through, as a native program would see it
// (ssl_test finds its certificates through TEST_CERTS_DIR).
Module['preRun'] = (Module['preRun'] || []).concat(function () { Object.assign(ENV, process.env); });
