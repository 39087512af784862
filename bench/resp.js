#!/usr/bin/env node
// A tiny Redis client (RESP over a plain socket), so that the benchmark needs no redis-cli.
//   node resp.js PORT CMD [ARG...] [-- CMD [ARG...]]...   each command's reply on its own line(s)
//   node resp.js PORT --monitor SECONDS                     MONITOR for SECONDS, one command per line
// Connects to 127.0.0.1 only.
'use strict';
const net = require('net');

const port = parseInt(process.argv[2], 10);
const rest = process.argv.slice(3);
if (!port || rest.length === 0) {
  console.error('usage: node resp.js PORT CMD [ARG...] [-- CMD ...] | node resp.js PORT --monitor SECONDS');
  process.exit(2);
}

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

// Parses one reply from buf at offset i; returns [value, next] or null when incomplete.
function parse(buf, i) {
  if (i >= buf.length) return null;
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [{ error: line }, next];
    case ':': return [parseInt(line, 10), next];
    case '$': {
      const n = parseInt(line, 10);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = parseInt(line, 10);
      if (n < 0) return [null, next];
      const arr = [];
      let j = next;
      for (let k = 0; k < n; k++) {
        const r = parse(buf, j);
        if (!r) return null;
        arr.push(r[0]);
        j = r[1];
      }
      return [arr, j];
    }
    default: throw new Error('bad RESP type ' + type);
  }
}

const sock = net.createConnection({ host: '127.0.0.1', port });
sock.setTimeout(10000, () => { console.error('resp.js: timeout'); process.exit(1); });
let buf = Buffer.alloc(0);

if (rest[0] === '--monitor') {
  const secs = parseFloat(rest[1] || '5');
  sock.on('connect', () => sock.write(encode(['MONITOR'])));
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    let r;
    while ((r = parse(buf, 0))) {
      buf = buf.subarray(r[1]);
      if (r[0] !== 'OK') console.log(typeof r[0] === 'string' ? r[0] : JSON.stringify(r[0]));
    }
  });
  sock.setTimeout(0);
  setTimeout(() => { sock.destroy(); process.exit(0); }, secs * 1000);
} else {
  const cmds = [];
  let cur = [];
  for (const a of rest) { if (a === '--') { if (cur.length) cmds.push(cur); cur = []; } else cur.push(a); }
  if (cur.length) cmds.push(cur);
  let pending = cmds.length;
  sock.on('connect', () => sock.write(cmds.map(encode).join('')));
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    let r;
    while (pending > 0 && (r = parse(buf, 0))) {
      buf = buf.subarray(r[1]);
      const v = r[0];
      console.log(typeof v === 'string' ? v : JSON.stringify(v));
      if (--pending === 0) { sock.end(); process.exit(v && v.error ? 1 : 0); }
    }
  });
  sock.on('error', (e) => { console.error('resp.js: ' + e.message); process.exit(1); });
}
