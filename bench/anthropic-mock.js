#!/usr/bin/env node
// A fast mock of an Anthropic Messages backend (Node built-in http only), the twin of the shared harness's OpenAI
// mock (../shared/bench/mock-backend.js): the same canned text, the same usage, precomputed answers.
//
//   POST */messages   non-streaming -> a fixed message JSON
//                     "stream": true -> message_start, content_block_start, N content_block_delta (8),
//                                       content_block_stop, message_delta, message_stop
//   GET  /health      -> "ok"
// Listen: 127.0.0.1, port argv[2] (default 18002).
'use strict';
const http = require('http');

const PORT = parseInt(process.argv[2] || '18002', 10);
const CHUNKS = parseInt(process.env.MOCK_CHUNKS || '8', 10);
const TEXT = 'Hello! This is a canned response from the mock backend.';

const JSON_BODY = Buffer.from(JSON.stringify({
  id: 'msg_mock', type: 'message', role: 'assistant', model: 'mock-model',
  content: [{ type: 'text', text: TEXT }],
  stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 12 },
}));
const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': JSON_BODY.length };

const event = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
const STREAM_HEAD = event('message_start', { type: 'message_start', message: { id: 'msg_mock', type: 'message',
  role: 'assistant', model: 'mock-model', content: [], stop_reason: null, stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 1 } } })
  + event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const STREAM_TOKEN = event('content_block_delta', { type: 'content_block_delta', index: 0,
  delta: { type: 'text_delta', text: 'tok ' } });
const STREAM_TAIL = event('content_block_stop', { type: 'content_block_stop', index: 0 })
  + event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: CHUNKS } })
  + event('message_stop', { type: 'message_stop' });
const STREAM_BODY = STREAM_HEAD + STREAM_TOKEN.repeat(CHUNKS) + STREAM_TAIL;
const STREAM_RE = /"stream"\s*:\s*true/;

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path.endsWith('/messages')) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (STREAM_RE.test(Buffer.concat(chunks).toString('latin1'))) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end(STREAM_BODY);
      } else {
        res.writeHead(200, JSON_HEADERS);
        res.end(JSON_BODY);
      }
    });
    return;
  }
  req.resume();
  if (path === '/health' || path === '/') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return; }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"type":"error","error":{"type":"not_found_error","message":"mock: not found"}}');
});
server.keepAliveTimeout = 65000;
server.listen(PORT, '127.0.0.1', () => console.log(`anthropic-mock listening on http://127.0.0.1:${PORT}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
