#!/usr/bin/env node
// Writes the chat request bodies of the validation scenario (same shapes as src/jmh/.../Bodies.java):
//   node bodies.js DIR   ->  DIR/chat-1.5k.json (system + user + one function tool, ~1.5 KB)
//                            DIR/chat-100k.json (96 alternating turns of ~1 KB, ~100 KB)
'use strict';
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
if (!dir) { console.error('usage: node bodies.js DIR'); process.exit(2); }
fs.mkdirSync(dir, { recursive: true });

const small = {
  model: 'mock-model',
  messages: [
    { role: 'system', content: 'You are a helpful assistant. '.repeat(16).trim() },
    { role: 'user', content: ('Please summarize the following text in one sentence: ' + 'The quick brown fox jumps over the lazy dog. '.repeat(12)).trim() },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } } }],
  temperature: 0.2, max_tokens: 64, stream: false,
};
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(22).trim();
const large = {
  model: 'mock-model',
  messages: [{ role: 'system', content: 'You are a helpful assistant.' }],
  temperature: 0.2, max_tokens: 64, stream: false,
};
for (let i = 0; i < 96; i++) large.messages.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: `${i} ${text}` });

for (const [name, body] of [['chat-1.5k.json', small], ['chat-100k.json', large]]) {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(body));
  console.log(`${f} ${fs.statSync(f).size} B`);
}
