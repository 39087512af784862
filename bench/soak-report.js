#!/usr/bin/env node
// The soak scenario's verdict and table, from one run's directory (Node built-ins only):
//   samples.tsv   bench/run.sh's sampler: one row every SOAK_SAMPLE_SECS (the row "end" after the load has drained)
//   load.tsv      bench/soak.js: counts by outcome per report interval
//   load.txt      bench/soak.js's output (its SOAK_RESULT line)
// Writes verdict.txt and table.md there and prints both.
//
// usage: node bench/soak-report.js DIR
//
// Verdict (thresholds from the environment, defaults here): each of the first and the last third of the samples
// taken under load is summarised by its median (live heap, RSS, open files) or its maximum (threads);
//   live heap   flat when the last third's median exceeds the first third's by at most SOAK_HEAP_TOLERANCE_MIB (2)
//   open files  flat when the same difference is at most SOAK_FD_TOLERANCE (10)
//   threads     flat when the last third's maximum exceeds the first third's by at most SOAK_THREAD_TOLERANCE (2)
//   in flight   sluice_inflight summed over accounts must be 0 once the load has drained
// RSS is reported, not judged (G1 sizes its committed heap as it likes). The least-squares slope of the live heap
// over all samples under load is printed too (MiB per hour).
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) { console.error('usage: node bench/soak-report.js DIR'); process.exit(2); }
const HEAP_TOL = parseFloat(process.env.SOAK_HEAP_TOLERANCE_MIB || '2');
const FD_TOL = parseFloat(process.env.SOAK_FD_TOLERANCE || '10');
const THREAD_TOL = parseFloat(process.env.SOAK_THREAD_TOLERANCE || '2');
const TABLE_SECS = parseFloat(process.env.SOAK_TABLE_SECS || '300');

function readTsv(file) {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const head = lines.shift().split('\t');
  return lines.map((l) => {
    const cells = l.split('\t');
    const row = {};
    head.forEach((h, i) => { const n = Number(cells[i]); row[h] = cells[i] === '' || Number.isNaN(n) ? cells[i] : n; });
    return row;
  });
}

const samples = readTsv(path.join(dir, 'samples.tsv'));
const load = readTsv(path.join(dir, 'load.tsv'));
const loadTxt = fs.existsSync(path.join(dir, 'load.txt')) ? fs.readFileSync(path.join(dir, 'load.txt'), 'utf8') : '';
const under = samples.filter((s) => s.phase === 'load');
const base = samples.find((s) => s.phase === 'before');
const end = samples.filter((s) => s.phase === 'end').pop();
if (under.length < 3) { console.error(`soak-report: ${under.length} samples under load in ${dir}, need 3`); process.exit(1); }

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const third = Math.max(1, Math.floor(under.length / 3));
const first = under.slice(0, third), last = under.slice(under.length - third);
const col = (rows, k) => rows.map((r) => r[k]).filter((v) => typeof v === 'number');
const slope = (() => {   // least squares, MiB per hour
  const xs = col(under, 't_s'), ys = col(under, 'live_heap_mib');
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0, den = 0;
  xs.forEach((x, i) => { num += (x - mx) * (ys[i] - my); den += (x - mx) * (x - mx); });
  return den > 0 ? (num / den) * 3600 : 0;
})();

const f1 = (x) => (typeof x === 'number' ? x.toFixed(1) : '-');
const heapA = median(col(first, 'live_heap_mib')), heapB = median(col(last, 'live_heap_mib'));
const rssA = median(col(first, 'rss_mib')), rssB = median(col(last, 'rss_mib'));
const fdA = median(col(first, 'fds')), fdB = median(col(last, 'fds'));
const thA = Math.max(...col(first, 'threads')), thB = Math.max(...col(last, 'threads'));
const heapFlat = heapB - heapA <= HEAP_TOL, fdFlat = fdB - fdA <= FD_TOL, thFlat = thB - thA <= THREAD_TOL;
const inflightEnd = end ? end.inflight : NaN;
const inflightOk = inflightEnd === 0;
const forcedGcs = col(samples, 'gc_forced');
const gcOk = samples.every((s) => s.gc_seen === 1);
const result = (/^SOAK_RESULT .*$/m.exec(loadTxt) || ['SOAK_RESULT missing'])[0];
const loadOk = /^SOAK_RESULT ok /m.test(loadTxt);
const minutes = (under[under.length - 1].t_s / 60).toFixed(1);

const v = [];
v.push(`samples under load: ${under.length} over ${minutes} min (every ${under.length > 1 ? under[1].t_s - under[0].t_s : '?'} s); first third ${first.length} samples (to ${f1(first[first.length - 1].t_s / 60)} min), last third ${last.length} (from ${f1(last[0].t_s / 60)} min)`);
v.push(`live heap after GC (MiB): before load ${f1(base && base.live_heap_mib)}, first third median ${f1(heapA)}, last third median ${f1(heapB)}, ` +
  `difference ${(heapB - heapA >= 0 ? '+' : '') + (heapB - heapA).toFixed(2)} (tolerance ${HEAP_TOL}), least-squares slope ${(slope >= 0 ? '+' : '') + slope.toFixed(2)} MiB/h, ` +
  `min ${f1(Math.min(...col(under, 'live_heap_mib')))} max ${f1(Math.max(...col(under, 'live_heap_mib')))} -> ${heapFlat ? 'flat' : 'GROWING'}`);
v.push(`open files: before load ${base ? base.fds : '-'}, first sample ${under[0].fds}, last sample under load ${under[under.length - 1].fds}, after the drain ${end ? end.fds : '-'}; ` +
  `first third median ${fdA}, last third median ${fdB}, max ${Math.max(...col(under, 'fds'))} (tolerance ${FD_TOL}) -> ${fdFlat ? 'flat' : 'GROWING'}`);
v.push(`threads: before load ${base ? base.threads : '-'}, first sample ${under[0].threads}, last sample under load ${under[under.length - 1].threads}, after the drain ${end ? end.threads : '-'}; ` +
  `first third max ${thA}, last third max ${thB} (tolerance ${THREAD_TOL}) -> ${thFlat ? 'flat' : 'GROWING'}`);
v.push(`RSS (MiB, not judged): before load ${f1(base && base.rss_mib)}, first third median ${f1(rssA)}, last third median ${f1(rssB)}, max ${f1(Math.max(...col(under, 'rss_mib')))}, after the drain ${f1(end && end.rss_mib)}`);
v.push(`in flight after the drain (sluice_inflight summed): ${Number.isNaN(inflightEnd) ? 'no end sample' : inflightEnd} -> ${inflightOk ? 'ok' : 'NOT ZERO'}`);
v.push(`forced GCs seen in the metrics (jvm_gc_pause_seconds_count, cause "Diagnostic Command"): ${forcedGcs.length ? forcedGcs[forcedGcs.length - 1] : 0} for ${samples.length} samples${gcOk ? '' : ' (SOME SAMPLES DID NOT SEE THEIR GC)'}`);
v.push(`load: ${result}`);
const flat = heapFlat && fdFlat && thFlat && inflightOk;
v.push(`VERDICT ${flat ? 'flat' : 'growing'}: live heap ${heapFlat ? 'flat' : 'growing'}, open files ${fdFlat ? 'flat' : 'growing'}, threads ${thFlat ? 'flat' : 'growing'}, in flight at end ${inflightOk ? '0' : inflightEnd}; load ${loadOk ? 'ok (no unexpected outcome)' : 'FAILED'}`);
fs.writeFileSync(path.join(dir, 'verdict.txt'), v.join('\n') + '\n');

// the table: the sample before the load, one every TABLE_SECS, the last under load, the one after the drain
const picked = [];
if (base) picked.push(base);
let next = 0;
for (const s of under) { if (s.t_s + 0.5 >= next) { picked.push(s); next += TABLE_SECS; while (next <= s.t_s) next += TABLE_SECS; } }
if (picked[picked.length - 1] !== under[under.length - 1]) picked.push(under[under.length - 1]);
if (end) picked.push(end);
// answers in the window ending at each picked sample, from load.tsv
const windowCounts = (from, to) => {
  const rows = load.filter((r) => r.t_s > from + 0.5 && r.t_s <= to + 0.5);   // report times lag the samples by a few ms
  const sum = (k) => rows.reduce((a, r) => a + (r[k] || 0), 0);
  const answered = sum('ok') + sum('aborted') + sum('backend_http_error') + sum('backend_connect_error') +
    sum('backend_timeout') + sum('stream_error') + sum('breaker_open') + sum('other');
  return { done: answered, ok: sum('ok'), aborted: sum('aborted'),
    faults: sum('backend_http_error') + sum('backend_connect_error') + sum('backend_timeout') + sum('stream_error') + sum('breaker_open'),
    other: sum('other'), unexpected: rows.length ? rows[rows.length - 1].unexpected : 0,
    p99: rows.length ? Math.max(...rows.map((r) => (typeof r.json_p99_ms === 'number' ? r.json_p99_ms : 0))) : NaN };
};
const t = [];
t.push('| min | RSS MiB | live heap MiB | heap used / committed MiB | threads | open files | in flight | requests ended in window (2xx / aborted / faults / other) | json p99 ms (worst 10 s) | unexpected so far |');
t.push('|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
let prev = 0;
for (const s of picked) {
  const label = s.phase === 'before' ? 'before' : s.phase === 'end' ? `end (+${f1((s.t_s - under[under.length - 1].t_s))} s)` : f1(s.t_s / 60);
  let win = '-', p99 = '-', unexp = '-';
  if (s.phase === 'load' || s.phase === 'end') {
    const w = windowCounts(prev, s.t_s);
    win = `${w.done} (${w.ok} / ${w.aborted} / ${w.faults} / ${w.other})`;
    p99 = Number.isNaN(w.p99) || w.p99 === 0 ? '-' : f1(w.p99);
    unexp = String(w.unexpected);
    prev = s.t_s;
  }
  t.push(`| ${label} | ${f1(s.rss_mib)} | ${f1(s.live_heap_mib)} | ${f1(s.heap_used_mib)} / ${f1(s.heap_committed_mib)} | ${s.threads} | ${s.fds} | ${s.inflight} | ${win} | ${p99} | ${unexp} |`);
}
fs.writeFileSync(path.join(dir, 'table.md'), t.join('\n') + '\n');
console.log(v.join('\n'));
console.log('');
console.log(t.join('\n'));
process.exit(flat && loadOk ? 0 : 1);
