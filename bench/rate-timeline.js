#!/usr/bin/env node
// Where in a fixed-rate pass its slowest requests fall: reads hey's per-request CSV (hey -o csv) and prints the
// pass's percentiles, then, per BUCKET seconds from the pass's start, the requests answered, their median, how many were
// among the pass's slowest 1% (at or above its p99) and the slowest one. With a JIT log (-XX:+PrintCompilation
// output) and the JVM's uptime at the pass's start, also the methods compiled and made not entrant in each bucket.
//   node rate-timeline.js HEY_CSV [BUCKET_SECONDS] [JIT_LOG UPTIME_MS_AT_START]
'use strict';
const fs = require('fs');

const [csv, bucketArg, jitLog, startArg] = process.argv.slice(2);
if (!csv) { console.error('usage: node rate-timeline.js HEY_CSV [BUCKET_SECONDS] [JIT_LOG UPTIME_MS_AT_START]'); process.exit(2); }
const bucket = Number(bucketArg || 1);

// hey's columns: response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','))
  .filter((c) => c.length >= 8).map((c) => ({ ms: Number(c[0]) * 1000, status: c[6], at: Number(c[7]) }));
if (!rows.length) { console.log(`${csv}: no requests`); process.exit(0); }
const sorted = rows.map((r) => r.ms).sort((a, b) => a - b);
const pct = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const p99 = pct(0.99);

const buckets = new Map();
const slot = (seconds) => {
  const k = Math.floor(seconds / bucket);
  if (!buckets.has(k)) buckets.set(k, { n: 0, slow: 0, max: 0, times: [], compiled: 0, dropped: 0 });
  return buckets.get(k);
};
for (const r of rows) {
  const b = slot(r.at);
  b.n++;
  if (r.ms >= p99) b.slow++;
  b.max = Math.max(b.max, r.ms);
  b.times.push(r.ms);
}
// PrintCompilation lines start with the JVM's uptime in ms; "made not entrant" is compiled code thrown away
const jit = jitLog && fs.existsSync(jitLog);
if (jit) {
  const start = Number(startArg);
  for (const line of fs.readFileSync(jitLog, 'utf8').split('\n')) {
    const m = /^\s*(\d+)\s+\d+\s/.exec(line);
    if (!m) continue;
    const at = (Number(m[1]) - start) / 1000;
    if (at < 0 || !buckets.has(Math.floor(at / bucket))) continue;
    if (line.includes('made not entrant')) slot(at).dropped++; else slot(at).compiled++;
  }
}
const slow = rows.filter((r) => r.ms >= p99).length;
const bad = rows.filter((r) => r.status !== '200').length;
const f = (v) => v.toFixed(2);
console.log(`requests=${rows.length} non200=${bad} p50_ms=${f(pct(0.5))} p99_ms=${f(p99)} p999_ms=${f(pct(0.999))} ` +
  `max_ms=${f(sorted[sorted.length - 1])} slowest_1pct=${slow}`);
console.log(`| from s | requests | p50 ms | of the slowest 1% | slowest ms${jit ? ' | methods compiled | made not entrant' : ''} |`);
console.log(`|---:|---:|---:|---:|---:${jit ? '|---:|---:' : ''}|`);
for (const [k, b] of [...buckets.entries()].sort((a, z) => a[0] - z[0])) {
  console.log(`| ${(k * bucket).toFixed(1)} | ${b.n} | ${f(b.times.sort((x, y) => x - y)[Math.floor(b.times.length / 2)])} | ${b.slow} | ${f(b.max)}${jit ? ` | ${b.compiled} | ${b.dropped}` : ''} |`);
}
