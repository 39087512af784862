#!/usr/bin/env node
// A chat backend with a heavy-tailed latency, for the hedge scenario of bench/run.sh (Node built-in http only).
//
//   node tail-backend.js PORT [PORT...]     one process, the same behaviour on every port (one port per backend)
//
//   POST *        a chat.completion JSON after TAIL_FAST_MS (20), or after TAIL_SLOW_MS (500) for TAIL_SLOW_PCT
//                 percent (5) of the requests, drawn per request (each attempt of a hedged request draws anew)
//   GET /stats    {"requests", "slow", "answered", "cancelled"} since start, over every port; "cancelled" counts
//                 requests whose connection closed before they were answered (a hedge's loser)
//
// Listens on 127.0.0.1 only (TAIL_HOST to change it).
'use strict';
const http = require('http');

const HOST = process.env.TAIL_HOST || '127.0.0.1';
const FAST_MS = parseInt(process.env.TAIL_FAST_MS || '20', 10);
const SLOW_MS = parseInt(process.env.TAIL_SLOW_MS || '500', 10);
const SLOW_PCT = parseFloat(process.env.TAIL_SLOW_PCT || '5');
const ports = process.argv.slice(2).map((p) => parseInt(p, 10));
if (ports.length === 0 || ports.some((p) => !(p > 0))) {
  console.error('usage: node tail-backend.js PORT [PORT...]');
  process.exit(2);
}

const BODY = Buffer.from(JSON.stringify({
  id: 'chatcmpl-tail', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: 'mock-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the tail backend.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
}));
const HEADERS = { 'content-type': 'application/json', 'content-length': BODY.length };
const stats = { requests: 0, slow: 0, answered: 0, cancelled: 0 };

function handle(req, res) {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  req.resume();
  req.on('end', () => {
    stats.requests++;
    const slow = Math.random() * 100 < SLOW_PCT;
    if (slow) stats.slow++;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      stats.answered++;
      res.writeHead(200, HEADERS);
      res.end(BODY);
    }, slow ? SLOW_MS : FAST_MS);
    res.on('close', () => {
      if (!done) {
        clearTimeout(timer);
        stats.cancelled++;
      }
    });
  });
}

for (const port of ports) {
  const server = http.createServer(handle);
  server.keepAliveTimeout = 65000;
  server.listen(port, HOST, () => console.log(`tail backend on ${HOST}:${port}: ${SLOW_PCT}% after ${SLOW_MS} ms, the rest after ${FAST_MS} ms`));
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
