#!/usr/bin/env node
// Summarises a JFR recording from the text of `jfr print` (any JDK's jfr tool, 17 included):
//   node jfr-summary.js DIR    reads DIR/execution-samples.txt (jdk.ExecutionSample) and
//                              DIR/allocation-samples.txt (jdk.ObjectAllocationSample), prints markdown
// CPU: where samples stop (self), by code area, and which Sluice methods are on the stack (inclusive).
// Allocation: sampled weight by class, by allocating frame, and by the first Sluice frame on the stack.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) { console.error('usage: node jfr-summary.js DIR'); process.exit(2); }
const TOP = parseInt(process.env.TOP || '20', 10);

function events(file) {
  if (!fs.existsSync(file)) return [];
  const out = [];
  let cur = null, inStack = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (/^jdk\.\w+ \{/.test(line)) { cur = { frames: [] }; inStack = false; continue; }
    if (!cur) continue;
    if (line === '}') { out.push(cur); cur = null; continue; }
    const t = line.trim();
    if (inStack) {
      if (t === ']') { inStack = false; continue; }
      if (t && t !== '...') cur.frames.push(t.replace(/ line: \d+.*$/, '').replace(/\(.*$/, ''));
      continue;
    }
    if (t.startsWith('stackTrace = [')) { inStack = true; continue; }
    const m = t.match(/^(\w+) = (.*)$/);
    if (m) cur[m[1]] = m[2];
  }
  return out;
}

const UNITS = { bytes: 1, byte: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
function bytes(s) {
  const m = (s || '').match(/^([\d.]+)\s*(\w+)/);
  return m ? parseFloat(m[1]) * (UNITS[m[2]] || 1) : 0;
}
function thread(s) { const m = (s || '').match(/^"([^"]*)"/); return m ? m[1].replace(/-\d+$/, '-N') : '?'; }
function area(frame) {
  if (frame.startsWith('dev.sluice.')) return 'Sluice (dev.sluice)';
  if (frame.startsWith('io.netty.')) return 'Netty';
  if (frame.startsWith('io.vertx.ext.web.')) return 'Vert.x Web (router)';
  if (frame.startsWith('io.vertx.')) return 'Vert.x core (HTTP server/client)';
  if (frame.startsWith('com.fasterxml.jackson.')) return 'Jackson';
  if (frame.startsWith('io.smallrye.faulttolerance.')) return 'SmallRye Fault Tolerance';
  if (frame.startsWith('io.micrometer.')) return 'Micrometer';
  if (frame.startsWith('io.quarkus.') || frame.startsWith('io.smallrye.')) return 'Quarkus / SmallRye';
  if (/^(sun\.nio|java\.nio|sun\.net)/.test(frame)) return 'JDK NIO (sockets, epoll)';
  if (/^(java\.|javax\.|jdk\.|sun\.)/.test(frame)) return 'JDK other';
  return 'other';
}
function table(rows, total, unit) {
  const fmt = (v) => unit === 'bytes' ? `${(v / 1048576).toFixed(1)} MiB` : String(v);
  let s = `| ${unit === 'bytes' ? 'weight' : 'samples'} | % | where |\n|---:|---:|---|\n`;
  for (const [k, v] of rows) s += `| ${fmt(v)} | ${(v / total * 100).toFixed(1)} | \`${k}\` |\n`;
  return s;
}
function count(items, key, w) {
  const m = new Map();
  for (const it of items) { const k = key(it); if (k == null) continue; m.set(k, (m.get(k) || 0) + (w ? w(it) : 1)); }
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}
const firstSluice = (e) => e.frames.find((f) => f.startsWith('dev.sluice.')) || null;
// idle event-loop threads (epoll/select wait) are sampled as running native code; they are not work
const idle = (e) => /(epollWait|EPoll\.wait|select0|SelectorImpl\.lockAndDoSelect|Unsafe\.park)/.test(e.frames[0] || '');

let out = '';
const cpuAll = events(path.join(dir, 'execution-samples.txt'));
const cpu = cpuAll.filter((e) => e.frames.length && !idle(e));
out += `### CPU (jdk.ExecutionSample)\n\n${cpuAll.length} samples, ${cpuAll.length - cpu.length} of them in an idle wait (left out); ${cpu.length} below.\n\n`;
out += '**By thread**\n\n' + table(count(cpu, (e) => thread(e.sampledThread)).slice(0, 8), cpu.length, 'n') + '\n';
out += '**By code area of the top frame (self time)**\n\n' + table(count(cpu, (e) => area(e.frames[0])), cpu.length, 'n') + '\n';
const isJdk = (f) => /^(java\.|javax\.|jdk\.|sun\.)/.test(f) && !/^(sun\.nio|java\.nio|sun\.net)/.test(f);
out += '**By code area, JDK library frames charged to the code that called them**\n\n' +
  table(count(cpu, (e) => area(e.frames.find((f) => !isJdk(f)) || e.frames[0])), cpu.length, 'n') + '\n';
out += `**Top ${TOP} frames (self time)**\n\n` + table(count(cpu, (e) => e.frames[0]).slice(0, TOP), cpu.length, 'n') + '\n';
const incl = new Map();
for (const e of cpu) for (const f of new Set(e.frames.filter((x) => x.startsWith('dev.sluice.')))) incl.set(f, (incl.get(f) || 0) + 1);
out += `**Sluice methods on the stack (inclusive; stacks cut at the printed depth)**\n\n` +
  table([...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP), cpu.length, 'n') + '\n';

// A sample's weight is what its thread allocated since that thread's previous sample: the first sample of each
// thread also carries what it allocated before the recording started, so it is left out.
const allocAll = events(path.join(dir, 'allocation-samples.txt'));
const seen = new Set();
const alloc = allocAll.filter((e) => { const t = e.eventThread || '?'; if (seen.has(t)) return true; seen.add(t); return false; });
const w = (e) => bytes(e.weight);
const total = alloc.reduce((s, e) => s + w(e), 0);
out += `### Allocation (jdk.ObjectAllocationSample)\n\n${alloc.length} samples (the first of each of ${seen.size} threads left out), ` +
  `${(total / 1048576).toFixed(0)} MiB sampled weight in all.\n\n`;
out += `**By class**\n\n` + table(count(alloc, (e) => (e.objectClass || '?').replace(/ \(classLoader.*$/, ''), w).slice(0, TOP), total, 'bytes') + '\n';
out += `**By allocating frame**\n\n` + table(count(alloc, (e) => e.frames[0] || '?', w).slice(0, TOP), total, 'bytes') + '\n';
out += `**By first Sluice frame on the stack (none = allocated outside Sluice's code)**\n\n` +
  table(count(alloc, (e) => firstSluice(e) || '(none)', w).slice(0, TOP), total, 'bytes') + '\n';
out += `**By code area of the allocating frame**\n\n` + table(count(alloc, (e) => area(e.frames[0] || ''), w), total, 'bytes') + '\n';
process.stdout.write(out);
