// A plain Node.js HTTP service (no dependencies) for graced's node-http example.
//
//   GET  /              a greeting
//   GET  /healthz       "ok" (graced's `self` check asks it)
//   GET  /slow?ms=N     answers after N milliseconds (a request to keep in flight)
//   POST /admin/drain   graced's pre-stop hook: start draining (below)
//
// Draining (from the pre-stop hook, or at the latest from SIGTERM): every response says
// `Connection: close`, so a keep-alive client finishes its request and then opens its next
// connection elsewhere instead of sending it to a process about to exit. On SIGTERM the
// server also stops accepting, closes idle keep-alive connections, lets the requests in
// flight finish, and exits 0 once the last connection is closed.
//
// Environment: APP_HOST (default 0.0.0.0), APP_PORT (default 8080).
'use strict';

const http = require('node:http');

const host = process.env.APP_HOST || '0.0.0.0';
const port = Number(process.env.APP_PORT || '8080');
let draining = false;
let stopping = false;
let inFlight = 0;

function log(message) {
  process.stderr.write(`node-http: ${message}\n`);
}

function reply(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  // Decided when the response is sent, not when the request arrived: a request that
  // started before the drain still gets the header when it finishes during it.
  if (draining) res.setHeader('Connection', 'close');
  res.end(body);
}

function startDraining(why) {
  if (draining) return;
  draining = true;
  log(`${why}: draining, every response now says Connection: close`);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  inFlight += 1;
  res.on('close', () => {
    inFlight -= 1;
  });
  log(`${req.method} ${req.url}`);
  if (req.method === 'GET' && url.pathname === '/healthz') {
    reply(res, 200, 'ok\n');
  } else if (req.method === 'GET' && url.pathname === '/slow') {
    const ms = Number(url.searchParams.get('ms') || '1000');
    setTimeout(() => reply(res, 200, `slow answer after ${ms}ms\n`), ms);
  } else if (req.method === 'GET' && url.pathname === '/') {
    reply(res, 200, 'hello from the node-http example\n');
  } else if (req.method === 'POST' && url.pathname === '/admin/drain') {
    startDraining('pre-stop hook');
    reply(res, 200, 'draining\n');
  } else {
    reply(res, 404, 'not found\n');
  }
});

function stop(signal) {
  startDraining(`got ${signal}`);
  if (stopping) return;
  stopping = true;
  log(`stopping: ${inFlight} request(s) in flight`);
  // No new connections; the callback runs once every connection is closed.
  server.close(() => {
    log('stopped');
    process.exit(0);
  });
  // Keep-alive connections with no request in progress would hold close() up: close them
  // now (connections with a request in progress are closed after their response).
  server.closeIdleConnections();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

server.listen(port, host, () => log(`listening on ${host}:${port}`));
