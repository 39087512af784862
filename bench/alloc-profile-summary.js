#!/usr/bin/env node
// Summarises async-profiler's allocation profile (bench/run.sh alloc-profile: collapsed stacks with bytes, `total`):
// what Sluice allocates per request, by library and by Sluice's own allocation sites.
// usage: node alloc-profile-summary.js FILE.collapsed REQUESTS
'use strict';
const fs = require('fs');
const { area } = require('./code-areas');

const requests = Number(process.argv[3]);
if (!(requests > 0)) throw new Error(`usage: alloc-profile-summary.js FILE.collapsed REQUESTS (got '${process.argv[3]}')`);
const stacks = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean).map((line) => {
  const at = line.lastIndexOf(' ');
  const frames = line.slice(0, at).split(';');
  // the last frame is the allocated type (_[i] inside a TLAB, _[k] outside)
  return { frames: frames.slice(0, -1), type: frames[frames.length - 1].replace(/_\[[ik]\]$/, ''), bytes: Number(line.slice(at + 1)) };
});
const total = stacks.reduce((sum, s) => sum + s.bytes, 0);

// the library a frame belongs to; JDK and JVM frames belong to none (their bytes go to the nearest caller that has one)
const NO_LIBRARY = new Set(['JDK', 'JVM / native', 'kernel', 'other Java']);
function library(frame) {
  const a = area(frame);
  return NO_LIBRARY.has(a) ? null : a;
}

// a lambda's class name carries a number of this run: cut it, so that runs compare
const unnumbered = (name) => name.replace(/\$\$Lambda.*/, () => '$$Lambda');
const add = (map, key, n) => map.set(key, (map.get(key) || 0) + n);
const byLibrary = new Map(), sluiceSites = new Map();
for (const { frames, type, bytes } of stacks) {
  let lib = null, at = -1;
  for (let i = frames.length - 1; i >= 0 && lib === null; i--) { lib = library(frames[i]); at = i; }
  add(byLibrary, lib || 'no library (the JDK, other code)', bytes);
  if (lib === 'Sluice') add(sluiceSites, `${unnumbered(frames[at]).replace(/\//g, '.').replace(/^dev\.sluice\./, '')} ${unnumbered(type)}`, bytes);
}

const perRequest = (n) => (n / requests).toFixed(0);
function table(title, map, rows) {
  let out = `**${title}**\n\n| bytes a request | % | where |\n|---:|---:|---|\n`;
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    out += `| ${perRequest(n)} | ${(100 * n / total).toFixed(1)} | \`${key}\` |\n`;
  }
  return out + '\n';
}
let out = `### Allocation (async-profiler, \`event=alloc\`)\n\n${perRequest(total)} bytes allocated a request `
  + `(${(total / 1048576).toFixed(0)} MiB over ${requests} requests).\n\n`;
out += table('By library (the innermost frame of a library; JDK frames charged to their caller)', byLibrary, 12);
out += table('Sluice: the innermost Sluice frame and the type allocated', sluiceSites, 20);
process.stdout.write(out);
