// node-ws (the `ws` package, Debian's node-ws) against an archbench WebSocket endpoint: a text
// message echoed, a binary message echoed byte for byte, then a close handshake with code 1000.
// Prints a JSON object for the Python test; exits 1 on any error or timeout.
//
// usage: NODE_PATH=/usr/share/nodejs node ws_client.js ws://127.0.0.1:<port>/<path>
'use strict';

const WebSocket = require('ws');
const crypto = require('crypto');

const url = process.argv[2];
const text = 'h\u00e9llo from node-ws \u2713';
const binary = crypto.randomBytes(70000);
const report = { url };

function fail(message) {
  process.stderr.write(`ws_client: ${message}\nreport: ${JSON.stringify(report)}\n`);
  process.exit(1);
}
setTimeout(() => fail('no completion within 20 s'), 20000).unref();

const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4 << 20 });
let step = 'text';
ws.on('unexpected-response', (req, res) => fail(`handshake answered ${res.statusCode}`));
ws.on('error', (error) => fail(`error in step ${step}: ${error.message}`));
ws.on('open', () => {
  report.protocolExtensions = ws.extensions;
  ws.send(text);
});
ws.on('message', (data, isBinary) => {
  if (step === 'text') {
    report.textEcho = isBinary ? null : data.toString('utf8');
    report.textMatches = !isBinary && data.toString('utf8') === text;
    step = 'binary';
    ws.send(binary);
  } else if (step === 'binary') {
    report.binaryIsBinary = isBinary;
    report.binaryLength = data.length;
    report.binaryMatches = isBinary && Buffer.compare(data, binary) === 0;
    step = 'close';
    ws.close(1000, 'node-ws done');
  } else {
    fail(`unexpected message in step ${step}`);
  }
});
ws.on('close', (code, reason) => {
  report.closeCode = code;
  report.closeReason = reason.toString();
  report.completedStep = step;
  process.stdout.write(JSON.stringify(report));
  process.exit(0);
});
