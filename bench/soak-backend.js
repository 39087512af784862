#!/usr/bin/env node
// The soak scenario's fault backend (Node built-in http only): an OpenAI-compatible chat backend that fails on
// request. Sluice's soak configuration gives each fault kind a model of its own whose backend URL ends in the kind,
// so the upstream path is /<kind>/v1/chat/completions:
//
//   5xx     a 500 or a 503 (alternately), with an OpenAI error body           -> client: 502 backend_http_error
//   reset   the connection reset (RST) once the request has been read         -> client: 502 backend_connect_error
//   stall   no answer for SOAK_STALL_MS (6000), past the model's first-byte timeout -> client: 504 backend_timeout
//   cut     an event stream cut (connection closed) after half of its chunks  -> client: 200, then event: error
//           (backend_stream_error)
//
// Only a request that carries "x-soak-fault: 1" (set by bench/soak.js, relayed by Sluice) is failed; any other
// request is answered like the shared mock (a chat.completion, or an event stream of SOAK_CHUNKS chunks ending in
// [DONE]), so that the load generator keeps each fault model's share of failures under its circuit breaker's ratio.
//
//   GET /stats   counts: requests, faults by kind, cut streams whose connection was closed, and stalled requests whose
//                client (Sluice) went away before the answer
//
// usage: node bench/soak-backend.js [PORT]      (default 18020; listens on 127.0.0.1)
'use strict';
const http = require('http');

const HOST = '127.0.0.1';
const PORT = parseInt(process.argv[2] || process.env.SOAK_BACKEND_PORT || '18020', 10);
const STALL_MS = parseInt(process.env.SOAK_STALL_MS || '6000', 10);
const CHUNKS = parseInt(process.env.SOAK_CHUNKS || '8', 10);

const CREATED = Math.floor(Date.now() / 1000);
const JSON_BODY = Buffer.from(JSON.stringify({
  id: 'chatcmpl-soak', object: 'chat.completion', created: CREATED, model: 'soak',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the soak backend.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
}));
const chunk = (delta, finish) => 'data: ' + JSON.stringify({
  id: 'chatcmpl-soak', object: 'chat.completion.chunk', created: CREATED, model: 'soak',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
}) + '\n\n';
const SSE_ROLE = chunk({ role: 'assistant', content: '' }, null);
const SSE_TOKEN = chunk({ content: 'tok ' }, null);
const SSE_END = chunk({}, 'stop') + 'data: [DONE]\n\n';
const STREAM_RE = /"stream"\s*:\s*true/;

const stats = { requests: 0, healthy: 0, faults: {}, gone_before_answer: 0, cut_closed: 0 };
let fiveCount = 0;

function answer(res, stream) {
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': JSON_BODY.length });
    res.end(JSON_BODY);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(SSE_ROLE + SSE_TOKEN.repeat(CHUNKS) + SSE_END);
}

function fault(kind, req, res, stream) {
  stats.faults[kind] = (stats.faults[kind] || 0) + 1;
  switch (kind) {
    case '5xx': {
      const status = fiveCount++ % 2 === 0 ? 500 : 503;
      const body = JSON.stringify({ error: { message: `soak: injected ${status}`, type: 'server_error', code: null } });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'stall': {
      const timer = setTimeout(() => { if (!res.destroyed) answer(res, stream); }, STALL_MS);
      res.on('close', () => {
        clearTimeout(timer);
        if (!res.writableEnded) stats.gone_before_answer++;
      });
      return;
    }
    case 'cut': {
      // half of the chunks, flushed, then the connection closed (FIN) in the middle of the chunked body: the stream
      // ends without its final chunk and [DONE]. Not a reset: with an RST 5 ms after the chunks, Sluice once took the
      // reset for one before any answer (502 backend_connect_error, and Vert.x logged "IllegalStateException: Result
      // is already complete" from HttpClientRequestImpl.handleResponse), so the outcome was not deterministic
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(SSE_ROLE + SSE_TOKEN.repeat(Math.floor(CHUNKS / 2)), () => setTimeout(() => { req.socket.destroy(); stats.cut_closed++; }, 20));
      return;
    }
    default:
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `soak: unknown fault kind '${kind}'`, type: 'invalid_request_error' } }));
  }
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/stats') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  const m = /^\/([a-z0-9]+)\/v1\/chat\/completions$/.exec(path);
  if (req.method !== 'POST' || !m) {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"soak backend: not found","type":"invalid_request_error"}}');
    return;
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    stats.requests++;
    const stream = STREAM_RE.test(Buffer.concat(parts).toString('latin1'));
    if (req.headers['x-soak-fault'] === '1') {
      fault(m[1], req, res, stream);
    } else {
      stats.healthy++;
      answer(res, stream);
    }
  });
});
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
server.listen(PORT, HOST, () => console.log(`soak-backend listening on http://${HOST}:${PORT}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', () => { server.closeAllConnections(); stop(); });
process.on('SIGINT', () => { server.closeAllConnections(); stop(); });
