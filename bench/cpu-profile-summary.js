#!/usr/bin/env node
// Summarises async-profiler's collapsed stacks (bench/run.sh cpu-profile): where the process's CPU went, kernel and
// JVM threads included. usage: node cpu-profile-summary.js FILE.collapsed
'use strict';
const fs = require('fs');
const { area } = require('./code-areas');

const lines = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean);
const stacks = lines.map((line) => {
  const at = line.lastIndexOf(' ');
  return { frames: line.slice(0, at).split(';'), samples: Number(line.slice(at + 1)) };
});
const total = stacks.reduce((sum, s) => sum + s.samples, 0);

// each sample is charged to one bucket: the JIT's and the collector's threads as such, the access log's writer thread,
// otherwise the area of the top frame, JDK and JVM frames charged to the nearest caller outside them
function bucket(frames) {
  if (frames.some((f) => f.includes('CompileBroker'))) return 'JIT compiler threads';
  if (frames.some((f) => /G1|ConcurrentGCThread|GCTask|WorkerThread::run/.test(f))) return 'garbage collector';
  if (frames.some((f) => f.includes('AccessLogWriter.run'))) return 'access-log writer thread';
  const top = area(frames[frames.length - 1]);
  if (top !== 'JDK' && top !== 'JVM / native') return top;
  for (let i = frames.length - 2; i >= 0; i--) {
    const a = area(frames[i]);
    if (a !== 'JDK' && a !== 'JVM / native') return a;
  }
  return top;
}

const add = (map, key, n) => map.set(key, (map.get(key) || 0) + n);
const buckets = new Map(), selfFrames = new Map(), sluice = new Map();
for (const { frames, samples } of stacks) {
  const b = bucket(frames);
  add(buckets, b, samples);
  add(selfFrames, frames[frames.length - 1], samples);
  if (b === 'Sluice') add(sluice, [...frames].reverse().find((f) => f.startsWith('dev/sluice/')), samples);
}

const pct = (n) => (100 * n / total).toFixed(1);
function table(title, map, rows) {
  let out = `**${title}**\n\n| samples | % | where |\n|---:|---:|---|\n`;
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) out += `| ${n} | ${pct(n)} | \`${key}\` |\n`;
  return out + '\n';
}
let out = `### CPU (async-profiler, \`event=cpu\`)\n\n${total} samples.\n\n`;
out += table('By code area (JDK and JVM frames charged to their caller)', buckets, 20);
out += table('Top frames (self time)', selfFrames, 25);
out += table('Sluice: the innermost Sluice frame of the samples charged to Sluice', sluice, 20);
process.stdout.write(out);
