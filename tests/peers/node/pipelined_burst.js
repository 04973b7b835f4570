// A pipelined burst over a raw `net` socket: 16 requests in ONE write, the last with
// `Connection: close`; the replies are parsed back with Node's llhttp response parser (the one
// its http module uses, strict about framing) and printed as a JSON array in arrival order.
// Exits 1 with the parser's error code if the byte stream is not a valid sequence of responses.
//
// usage: node pipelined_burst.js <port>
'use strict';

const net = require('net');
const { HTTPParser } = require('_http_common');

const port = Number(process.argv[2]);
const kRequests = 16;

// Request i: a mix of routes, so a server that answers out of order is caught by the bodies.
function requestText(i) {
  const last = i === kRequests - 1 ? 'Connection: close\r\n' : '';
  switch (i % 4) {
    case 0: return `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${last}\r\n`;
    case 1: return `GET /bytes?n=${i * 100} HTTP/1.1\r\nHost: 127.0.0.1\r\n${last}\r\n`;
    case 2: return `GET /inspect?i=${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n${last}\r\n`;
    default: {
      const body = `pipelined body ${i}`;
      return `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n` +
             `Content-Length: ${Buffer.byteLength(body)}\r\n${last}\r\n${body}`;
    }
  }
}

const responses = [];
let current = null;
const parser = new HTTPParser();
parser.initialize(HTTPParser.RESPONSE, {});
parser[HTTPParser.kOnHeadersComplete] =
  (major, minor, headers, method, url, statusCode, statusMessage, upgrade, keepAlive) => {
    const named = {};
    for (let k = 0; k + 1 < headers.length; k += 2) named[headers[k].toLowerCase()] = headers[k + 1];
    current = { status: statusCode, version: `${major}.${minor}`, headers: named, keepAlive,
                parts: [] };
    return 0;
  };
// Older Node versions pass (buffer, start, length); newer ones pass the slice.
parser[HTTPParser.kOnBody] = (buffer, start, length) => {
  current.parts.push(start === undefined ? Buffer.from(buffer)
                                         : Buffer.from(buffer.subarray(start, start + length)));
};
parser[HTTPParser.kOnMessageComplete] = () => {
  const body = Buffer.concat(current.parts);
  delete current.parts;
  current.bodyLength = body.length;
  current.body = body.toString('latin1');
  responses.push(current);
  current = null;
};

function fail(message) {
  process.stderr.write(`pipelined_burst: ${message}\nparsed so far: ${JSON.stringify(responses)}\n`);
  process.exit(1);
}

const socket = net.connect(port, '127.0.0.1', () => {
  let burst = '';
  for (let i = 0; i < kRequests; i++) burst += requestText(i);
  socket.write(burst);
});
socket.setTimeout(10000, () => fail('no end of stream within 10 s'));
socket.on('data', (data) => {
  const result = parser.execute(data);
  if (result instanceof Error) fail(`${result.code} ${result.reason} after ${result.bytesParsed} bytes`);
});
socket.on('end', () => {
  const result = parser.finish();
  if (result instanceof Error) fail(`at end of stream: ${result.code} ${result.reason}`);
  if (current !== null) fail('the stream ended inside a response');
  process.stdout.write(JSON.stringify(responses));
  process.exit(0);
});
socket.on('error', (error) => fail(`socket error ${error.code || error}`));
