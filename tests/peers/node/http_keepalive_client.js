// Node's own HTTP client (llhttp, a strict response parser) against an archbench server: several
// requests, one after another, on ONE keep-alive agent socket. Prints a JSON array, one object
// per response, for the Python test to assert on; exits 1 with the error if any request fails
// (llhttp rejects a malformed response with an error such as HPE_INVALID_HEADER_TOKEN).
//
// usage: node http_keepalive_client.js <port>
'use strict';

const http = require('http');
const crypto = require('crypto');

const port = Number(process.argv[2]);
// maxSockets 1: every request must reuse the same connection, so keep-alive is what is tested.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const bigBody = crypto.randomBytes(100 * 1024);

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

// One request; resolves with what the Python side checks. `chunks` (optional) are written one
// by one without a Content-Length, so Node sends them with Transfer-Encoding: chunked.
function request(method, path, { body = null, chunks = null, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const sent = body || (chunks ? Buffer.concat(chunks) : Buffer.alloc(0));
    const options = { host: '127.0.0.1', port, method, path, agent, headers: { ...headers } };
    if (body) options.headers['Content-Length'] = body.length;
    const req = http.request(options, (res) => {
      const parts = [];
      res.on('data', (part) => parts.push(part));
      res.on('end', () => {
        const received = Buffer.concat(parts);
        resolve({
          method,
          path,
          status: res.statusCode,
          httpVersion: res.httpVersion,
          headers: res.headers,
          body: received.length <= 4096 ? received.toString('utf8') : null,
          bodyLength: received.length,
          bodySha256: sha256(received),
          sentSha256: sha256(sent),
          reusedSocket: req.reusedSocket,
          localPort: req.socket ? req.socket.localPort : null,
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`timeout on ${method} ${path}`)));
    req.on('error', reject);
    if (body) req.end(body);
    else if (chunks) {
      for (const chunk of chunks) req.write(chunk);
      req.end();
    } else req.end();
  });
}

async function main() {
  const results = [];
  results.push(await request('GET', '/'));
  results.push(await request('GET', '/json'));
  results.push(await request('POST', '/echo', {
    body: bigBody, headers: { 'Content-Type': 'application/octet-stream' } }));
  results.push(await request('POST', '/echo', {
    chunks: [bigBody.subarray(0, 1000), bigBody.subarray(1000, 50000), bigBody.subarray(50000)],
    headers: { 'Content-Type': 'application/octet-stream' } }));
  results.push(await request('GET', '/inspect?peer=node&n=42', {
    headers: { Cookie: 'flavour=oat; size=2', 'X-Peer': 'node-http' } }));
  results.push(await request('GET', '/no/such/route'));
  results.push(await request('GET', '/'));
  agent.destroy();
  process.stdout.write(JSON.stringify(results));
}

const watchdog = setTimeout(() => {
  process.stderr.write('http_keepalive_client: no completion within 30 s\n');
  process.exit(3);
}, 30000);
watchdog.unref();

main().catch((error) => {
  process.stderr.write(`http_keepalive_client: ${error.stack || error}\n` +
                       `code: ${error.code || ''} reason: ${error.reason || ''}\n`);
  agent.destroy();
  process.exit(1);
});
