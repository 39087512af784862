#!/usr/bin/env node
// Prints the summary of one bench/run.sh run (markdown): the targets, then each scenario's table.
//   node summary.js RESULTS_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) { console.error('usage: node summary.js RESULTS_DIR'); process.exit(2); }
const p = (...a) => path.join(dir, ...a);
const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');

function harness(name) {  // the harness's TSV of a scenario: { target: {column: value} }
  const d = p(name);
  if (!fs.existsSync(d)) return null;
  const tsv = fs.readdirSync(d).filter((f) => /^bench-.*\.tsv$/.test(f)).sort().pop();
  if (!tsv) return null;
  const [head, ...rows] = read(path.join(d, tsv)).trim().split('\n').map((l) => l.split('\t'));
  const out = {};
  for (const r of rows) { const o = {}; head.forEach((h, i) => { o[h] = r[i]; }); out[r[0]] = o; }
  out._md = read(path.join(d, tsv.replace(/\.tsv$/, '.md')));
  out._load = read(path.join(d, 'load.txt')).trim().replace(/\n/g, '; ');
  return out;
}
function kv(file, tag) {  // "TAG k=v k=v" line -> object
  const line = read(file).split('\n').find((l) => l.startsWith(tag + ' '));
  if (!line) return null;
  const o = {};
  for (const m of line.matchAll(/(\S+?)=("[^"]*"|\S*)/g)) o[m[1]] = m[2];
  return o;
}
function tagged(text, tag) {  // every "TAG k=v k=v" line of a text -> objects
  return text.split('\n').filter((l) => l.startsWith(tag + ' ')).map((l) =>
    Object.fromEntries(l.split(/\s+/).slice(1).filter((w) => w.includes('=')).map((w) => w.split('='))));
}
const num = (v) => (v === undefined || v === null || v === '' || v === '-' ? NaN : parseFloat(v));
const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'met' : 'missed');

let out = `# Sluice benchmark summary\n\n\`\`\`\n${read(p('machine.txt')).trim()}\n\`\`\`\n\n`;
const plain = harness('plain');
const redis = harness('redis');
const streams = kv(p('streams', 'streams.txt'), 'STREAMS');
const streamsDirect = kv(p('streams', 'streams-direct.txt'), 'DIRECT');
const targets = [];

const errs = (h) => (h && h.sut && num(h.sut.errors) > 0 ? ` (Sluice had ${h.sut.errors} errors or non-2xx answers in the wrk run; its rps counts them)` : '');
if (plain && plain.sut && plain.sut.status === 'ok') {
  const s = plain.sut, n = plain.nginx, k = plain.portkey;
  if (n && n.status === 'ok') {
    const r = num(s.rps) / num(n.rps);
    targets.push(['requests/s ≥ 0.8× nginx', `${f(num(s.rps), 0)} vs ${f(num(n.rps), 0)} = ${f(r)}×${errs(plain)}`, verdict(r >= 0.8)]);
    const c = num(s.srv_cpu_us_per_req) / num(n.srv_cpu_us_per_req);
    targets.push(['CPU/request ≤ 2× nginx', `${s.srv_cpu_us_per_req} vs ${n.srv_cpu_us_per_req} µs = ${f(c)}×`, verdict(c <= 2)]);
  }
  if (k && k.status === 'ok') {
    const r = num(s.rps) / num(k.rps);
    targets.push(['requests/s ≥ 10× Portkey', `${f(num(s.rps), 0)} vs ${f(num(k.rps), 0)} = ${f(r, 1)}×`, verdict(r >= 10)]);
  }
}
if (plain && redis && plain.sut && redis.sut) {
  const a = num(plain.sut.rate_p50_ms), b = num(redis.sut.rate_p50_ms);
  const aa = num(plain.sut.rate_add_p50_ms), ba = num(redis.sut.rate_add_p50_ms);
  const d = ba - aa;
  targets.push(['redis limits add ≤ 0.3 ms p50 at 200 req/s over plain',
    `p50 ${f(a)} → ${f(b)} ms; over direct of the same run: ${f(aa)} → ${f(ba)} ms, difference ${f(d)} ms`,
    verdict(Number.isFinite(d) ? d <= 0.3 : null)]);
}
if (streams) {
  const [ok, bad, err] = [num(streams.ok), num(streams.bad), num(streams.errors)];
  const peak = num(streams.rss_peak_mib), base = num(streams.rss_base_mib), after = num(streams.rss_after_mib);
  targets.push([`${streams.streams} concurrent SSE streams, no errors`, `ok=${ok} bad=${bad} errors=${err}, peak client connections ${streams.peak_client_conns}`,
    verdict(bad === 0 && err === 0 && ok > 0)]);
  targets.push(['RSS ≤ 512 MiB during the streams', `${peak} MiB peak (baseline ${base} MiB)`, verdict(peak <= 512)]);
  // judged 60 s after the streams (issue 12) when the run has that sample; older runs only had the later one
  const at60 = num(streams.rss_60s_mib);
  const judged = Number.isFinite(at60) ? at60 : after;
  targets.push(['RSS within 20% of its baseline 60 s after', `${Number.isFinite(at60) ? `${at60} MiB 60 s after, ` : ''}${after} MiB ${streams.after_secs} s after (baseline ${base}, peak ${peak}); ${streams.rss_after_gc_mib} MiB after a full GC, live heap ${streams.live_heap_mib} MiB`,
    verdict(judged <= base * 1.2)]);
}
// access-log: pairs of passes with the access log on and off, in turn (the access-log scenario); when the run has
// them, the access log's target is judged on their median rather than on the defaults scenario's one pair
const accessLog = read(p('access-log', 'access-log.txt')).trim();
const accessLogPairs = (() => {
  if (!accessLog) return [];
  const passes = tagged(accessLog, 'ACCESS_LOG');
  return [...new Set(passes.map((o) => o.pair))].map((pair) => {
    const on = passes.find((o) => o.pair === pair && o.log === 'true');
    const off = passes.find((o) => o.pair === pair && o.log === 'false');
    const group = (o, g) => num(o && o[`${g}_us`]);
    return { pair, on: num(on && on.cpu_us_per_req), off: num(off && off.cpu_us_per_req),
      onLoops: group(on, 'loops'), offLoops: group(off, 'loops'), writer: group(on, 'writer'),
      onJit: group(on, 'jit'), offJit: group(off, 'jit') };
  }).filter((x) => x.on > 0 && x.off > 0);
})();
const medianOf = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? (sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2) : NaN;
};
const accessLogMedian = medianOf(accessLogPairs.map((x) => x.on - x.off));

// limit-pairs: rounds of one Sluice without limits, one with every limit on the local store and one on Redis, in turn;
// when the run has them, the limits' targets are judged on the median of the rounds' ratios rather than on the
// defaults scenario's passes, which ran minutes apart
const limitRounds = (() => {
  const text = read(p('limit-pairs', 'limit-pairs.txt')).trim();
  if (!text) return [];
  const passes = tagged(text, 'LIMITS');
  return [...new Set(passes.map((o) => o.round))].map((round) => {
    const cpu = (store) => num((passes.find((o) => o.round === round && o.store === store) || {}).cpu_us_per_req);
    const errors = passes.filter((o) => o.round === round).reduce((sum, o) => sum + (num(o.errors) || 0) + (num(o.non2xx) || 0), 0);
    return { round, none: cpu('none'), local: cpu('local'), redis: cpu('redis'), errors };
  }).filter((x) => x.none > 0);
})();
const limitMedian = (store) => medianOf(limitRounds.map((x) => x[store] / x.none));

// the performance targets, on Sluice with its defaults (the defaults scenario: access log on, checks on)
const defaults = harness('defaults');
if (defaults && defaults.sut && defaults.sut.status === 'ok' && defaults.nginx && defaults.nginx.status === 'ok') {
  const s = defaults.sut, n = defaults.nginx;
  const rate = kv(p('defaults-probe', 'rate.txt'), 'saturation_rps') || {};
  const rateLine = read(p('defaults-probe', 'rate.txt')).trim();
  const r = num(s.rps) / num(n.rps);
  targets.push(['defaults: requests/s ≥ 0.8× nginx', `${f(num(s.rps), 0)} vs ${f(num(n.rps), 0)} = ${f(r)}×${errs(defaults)}`, verdict(r >= 0.8)]);
  const cpu = num(s.srv_cpu_us_per_req), c = cpu / num(n.srv_cpu_us_per_req);
  targets.push(['defaults: CPU/request ≤ 2× nginx', `${s.srv_cpu_us_per_req} vs ${n.srv_cpu_us_per_req} µs = ${f(c)}×`, verdict(c <= 2)]);
  const p99 = num(s.rate_p99_ms), np99 = num(n.rate_p99_ms);
  targets.push(['defaults: p99 at half of Sluice\'s saturation ≤ 2× nginx\'s p99 at that rate',
    `${rateLine || 'rate ?'}: p99 ${f(p99)} vs ${f(np99)} ms = ${f(p99 / np99)}×`, verdict(Number.isFinite(p99 / np99) ? p99 / np99 <= 2 : null)]);
  const t = num(s.sse_ttft_p50_ms) - num(n.sse_ttft_p50_ms);
  targets.push(['defaults: first stream chunk ≤ 0.3 ms later than through nginx (p50)',
    `TTFT p50 ${s.sse_ttft_p50_ms} vs ${n.sse_ttft_p50_ms} ms = ${Number.isFinite(t) ? (t >= 0 ? '+' : '') + f(t) : 'n/a'} ms`, verdict(Number.isFinite(t) ? t <= 0.3 : null)]);
  const nolog = harness('defaults-nolog');
  if (nolog && nolog.sut && nolog.sut.status === 'ok') {
    const d = cpu - num(nolog.sut.srv_cpu_us_per_req);
    const single = `${s.srv_cpu_us_per_req} µs on vs ${nolog.sut.srv_cpu_us_per_req} µs off = ${f(d, 1)} µs`;
    if (Number.isFinite(accessLogMedian)) {
      targets.push(['access log ≤ 3 µs CPU/request', `median of ${accessLogPairs.length} on/off pairs (access-log, below): ` +
        `${f(accessLogMedian, 1)} µs; the defaults pass's one pair: ${single}`, verdict(accessLogMedian <= 3)]);
    } else {
      targets.push(['access log ≤ 3 µs CPU/request', `${single} (one pair; \`access-log\` in the same run judges on the median of its pairs)`, verdict(d <= 3)]);
    }
  }
  for (const [name, store, max] of [['defaults-local', 'local store', 1.2], ['defaults-redis', 'Redis', 1.5]]) {
    const h = harness(name);
    if (!h || !h.sut || h.sut.status !== 'ok') continue;
    const x = num(h.sut.srv_cpu_us_per_req) / cpu;
    const single = `${h.sut.srv_cpu_us_per_req} vs ${s.srv_cpu_us_per_req} µs = ${f(x)}×${errs(h)}`;
    const median = limitMedian(name === 'defaults-local' ? 'local' : 'redis');
    if (Number.isFinite(median)) {
      targets.push([`every limit on the ${store} ≤ ${max}× the plain CPU/request`, `median of ${limitRounds.length} rounds ` +
        `(limit-pairs, below): ${f(median)}×; the defaults scenario's passes: ${single}`, verdict(median <= max)]);
    } else {
      targets.push([`every limit on the ${store} ≤ ${max}× the plain CPU/request`, single, verdict(x <= max)]);
    }
  }
}

const startupFile = p('startup', 'startup.txt');
const startupAot = kv(startupFile, 'STARTUP_jdk25-aot');
if (startupAot) {
  const beside = ['jdk17', 'jdk25'].map((v) => [v, kv(startupFile, `STARTUP_${v}`)]).filter(([, o]) => o)
    .map(([v, o]) => `${v}: ${o.first_answer_median_ms} ms, ${o.rss_idle_median_mib} MiB`).join('; ');
  targets.push(['start-up to the first answer ≤ 0.5 s, JDK 25 + AOT cache (median)',
    `${startupAot.first_answer_median_ms} ms (min ${startupAot.first_answer_min_ms})${beside ? `; ${beside}` : ''}`,
    verdict(num(startupAot.first_answer_median_ms) <= 500)]);
  targets.push(['idle RSS ≤ 128 MiB, JDK 25 + AOT cache (median)',
    `${startupAot.rss_idle_median_mib} MiB (min ${startupAot.rss_idle_min_mib})`, verdict(num(startupAot.rss_idle_median_mib) <= 128)]);
}
if (targets.length) {
  out += '## Targets\n\n| target | measured | |\n|---|---|---|\n' + targets.map((t) => `| ${t.join(' | ')} |`).join('\n') + '\n\n';
}

for (const [name, title] of [['defaults', 'Sluice with its defaults (access log on, checks on) vs direct and nginx'],
  ['defaults-nolog', 'the same, access log off'], ['defaults-local', 'the same, every limit on the local store'],
  ['defaults-redis', 'the same, every limit on Redis'],
  ['plain', 'a/e/g: plain proxy (account without limits), SSE pass, 200 req/s pass'],
  ['local', 'b: limits, store local'], ['redis', 'c/g: limits, store redis'], ['cluster', "c': limits in a Redis Cluster of three masters"], ['profile', 'profile run (JFR on)']]) {
  const h = harness(name);
  if (!h) continue;
  out += `## ${title}\n\n${h._load}\n\n${h._md.replace(/^# /, '')}\n`;
}

const vrows = [];
for (const size of ['1.5k', '100k']) {
  for (const v of ['on', 'off']) {
    const h = harness(`validation-${v}-${size}`);
    if (!h || !h.sut) continue;
    const s = h.sut, d = h.direct || {};
    vrows.push(`| ${size} | ${v} | ${s.rps} | ${d.rps || '-'} | ${s.rps_vs_direct} | ${s.p50_ms} | ${s.p99_ms} | ${s.add_p50_ms} | ${s.srv_cpu_us_per_req} | ${s.errors} | ${h._load} |`);
  }
}
if (vrows.length) {
  out += '## d: validation on and off\n\n| body | validation | rps | direct rps | vs direct | p50 ms | p99 ms | add p50 ms | CPU µs/req | errors | load |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n' + vrows.join('\n') + '\n\n';
}

const tails = read(p('tails', 'tails.txt')).trim();
if (tails) {
  out += `## latency tails (wrk, ${'closed loop'})\n\n${read(p('tails', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n| target | rps | p50 ms | p90 ms | p99 ms | p99.9 ms | p99.99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`;
  for (const line of tails.split('\n')) {
    const t = line.split(' ')[0];
    const o = kv(p('tails', 'tails.txt'), t);
    if (o) out += `| ${t} | ${o.rps} | ${o.p50_ms} | ${o.p90_ms} | ${o.p99_ms} | ${o['p99.9_ms']} | ${o['p99.99_ms']} | ${o.max_ms} | ${num(o.errors) + num(o.non2xx)} |\n`;
  }
  out += '\n';
}

if (accessLog) {
  const pairs = accessLogPairs, median = accessLogMedian;
  // per thread group (cpu_pass with THREAD_GROUPS=1): the writer's own CPU, and the difference without the JIT's
  // compiler threads, whose work in a pass depends on what the process ran before it, not on the log
  const grouped = pairs.filter((x) => Number.isFinite(x.onJit) && Number.isFinite(x.offJit));
  const us = (v) => Number.isFinite(v) ? `${v.toFixed(1)} µs` : 'n/a';
  out += `## access-log: its CPU per request in pairs (on first in odd pairs, off first in even ones; wrk, closed loop)\n\n` +
    `${read(p('access-log', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    '| pair | on | off | difference | event loops on / off | writer thread (on) | JIT on / off | difference without the JIT |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|\n' +
    pairs.map((x) => `| ${x.pair} | ${us(x.on)} | ${us(x.off)} | ${us(x.on - x.off)} | ${us(x.onLoops)} / ${us(x.offLoops)} | ` +
      `${us(x.writer)} | ${us(x.onJit)} / ${us(x.offJit)} | ${us((x.on - x.onJit) - (x.off - x.offJit))} |`).join('\n') +
    `\n\nMedian of the differences: ${us(median)}` +
    ` (target ≤ 3 µs): ${Number.isFinite(median) ? (median <= 3 ? 'met' : 'missed') : 'n/a'}.` +
    (grouped.length ? ` Without the compiler threads: median ${us(medianOf(grouped.map((x) => (x.on - x.onJit) - (x.off - x.offJit))))};` +
      ` the writer thread alone: median ${us(medianOf(grouped.map((x) => x.writer)))} a request.` : '') + '\n\n';
}

if (limitRounds.length) {
  const us = (v) => Number.isFinite(v) ? `${v.toFixed(1)} µs` : 'n/a';
  const ratio = (v) => Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a';
  const judged = (store, max) => { const m = limitMedian(store); return `${ratio(m)} (target ≤ ${max}×: ${Number.isFinite(m) ? (m <= max ? 'met' : 'missed') : 'n/a'})`; };
  out += `## limit-pairs: every limit's CPU per request in rounds (without limits, local store, Redis, in turn; wrk, closed loop)\n\n` +
    `${read(p('limit-pairs', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    '| round | without limits | local store | ratio | Redis | ratio | errors and non-2xx |\n|---|---:|---:|---:|---:|---:|---:|\n' +
    limitRounds.map((x) => `| ${x.round} | ${us(x.none)} | ${us(x.local)} | ${ratio(x.local / x.none)} | ${us(x.redis)} | ` +
      `${ratio(x.redis / x.none)} | ${x.errors} |`).join('\n') +
    `\n\nMedian of the ratios: local store ${judged('local', 1.2)}, Redis ${judged('redis', 1.5)}.\n\n`;
}

const timeline = read(p('rate-timeline', 'rate-timeline.txt')).trim();
if (timeline) {
  out += `## rate-timeline: where the fixed-rate pass's slowest 1% fall (hey -o csv; the harness's sequence, then the same pass again)\n\n` +
    `${read(p('rate-timeline', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n${timeline.replace(/^### /gm, '#### ')}\n\n`;
}

const ttft = read(p('ttft', 'ttft.txt')).trim();
if (ttft) {
  out += `## ttft: the first chunk of a stream at low concurrency (16 chunks 5 ms apart; sse-bench.js)\n\n` +
    `${read(p('ttft', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n\`\`\`\n${ttft}\n\`\`\`\n\n`;
}

// floor: the least proxy on Sluice's stack, nginx and Sluice, each alone under the same wrk load
const floor = read(p('floor', 'floor.txt')).trim();
if (floor) {
  const rows = tagged(floor, 'FLOOR');
  out += `## floor: what the stack itself costs (bench/floor/FloorProxy.java vs nginx vs Sluice with its defaults; wrk, ` +
    `closed loop, each alone)\n\n${read(p('floor', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    '| round | proxy | req/s | p50 ms | p99 ms | CPU per request | vs nginx | first chunk p50 / p99 ms (16 streams) |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const nginx = rows.find(o => o.round === r.round && o.target === 'nginx');
    const ratio = nginx ? f(num(r.cpu_us_per_req) / num(nginx.cpu_us_per_req)) + '× CPU, ' +
      f(num(r.rps) / num(nginx.rps)) + '× req/s' : 'n/a';
    const sse = r.sse_ttft_p50_ms ? `${r.sse_ttft_p50_ms} / ${r.sse_ttft_p99_ms}` : 'n/a';
    out += `| ${r.round} | ${r.target} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.cpu_us_per_req} µs | ${ratio} | ${sse} |\n`;
  }
  out += '\n';
}

const translated = read(p('translated', 'translated.txt')).trim();
if (translated) {
  out += `## translated: the same conversation untranslated and translated (wrk, closed loop, ${'one Sluice'})\n\n` +
    `${read(p('translated', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n\`\`\`\n${translated}\n\`\`\`\n\n`;
}

const hedgeOff = kv(p('hedge', 'hedge.txt'), 'HEDGE_OFF');
const hedgeOn = kv(p('hedge', 'hedge.txt'), 'HEDGE_ON');
if (hedgeOff || hedgeOn) {
  out += `## hedge: a heavy-tailed backend without and with hedge.after\n\n${read(p('hedge', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    '| hedge | rps | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | client requests | backend requests | extra backend requests | slow draws | cancelled by the proxy | hedges won / cancelled / failed | errors |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n' +
    [['off', hedgeOff], ['after ' + (hedgeOn ? hedgeOn.after : ''), hedgeOn]].filter(([, o]) => o).map(([n, o]) =>
      `| ${n} | ${o.rps} | ${o.p50_ms} | ${o.p90_ms} | ${o.p99_ms} | ${o['p99.9_ms']} | ${o.max_ms} | ${o.reqs} | ${o.backend_requests} | ${o.extra_backend_requests_pct}% | ${o.backend_slow} | ${o.backend_cancelled} | ${o.hedges_won} / ${o.hedges_cancelled} / ${o.hedges_failed} | ${num(o.errors) + num(o.non2xx)} |`).join('\n') + '\n\n';
}

const trip = kv(p('redis-trip', 'trip.txt'), 'TRIP');
if (trip) {
  out += `## g: Redis round trips per request\n\n${read(p('redis-trip', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    '| requests | non-200 | EVALSHA calls | EVAL calls | commands counted (incl. inside scripts) | EVALSHA / request | admission script / request | release script / request | other client commands | control-plane polls (timed, not per request) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
    `| ${trip.requests} | ${trip.non200} | ${trip.evalsha_calls} | ${trip.eval_calls} | ${trip.redis_commands} | ${trip.evalsha_per_req} | ${trip.admit_evalsha_per_req} | ${trip.release_evalsha_per_req} | ${trip.other_client_commands} | ${trip.control_plane_polls ?? '-'} |\n\n`;
}

if (streams) {
  out += `## f: ${streams.streams} concurrent slow SSE streams\n\n${read(p('streams', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    `Each stream: ${streams.chunks} chunks ${streams.chunk_delay_ms} ms apart; load ${streams.secs} s (closed loop, ${streams.load_secs} s until the last stream ended).\n\n` +
    '| through | ok | bad | errors | streams/s | TTFT p50 ms | TTFT p99 ms | stream p50 ms | stream p99 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
    [['Sluice', streams], ['direct (mock)', streamsDirect]].filter(([, o]) => o).map(([n, o]) =>
      `| ${n} | ${o.ok} | ${o.bad} | ${o.errors} | ${o.streams_per_s} | ${o.ttft_p50_ms} | ${o.ttft_p99_ms} | ${o.total_p50_ms} | ${o.total_p99_ms} |`).join('\n') +
    `\n\nSluice: peak ${streams.peak_client_conns} client connections, ${streams.peak_fds} open files.\n\n` +
    '| Sluice RSS MiB: started | baseline (warm) | peak | at end | +10 s | +30 s | ' + `+${streams.after_secs} s | after full GC | live heap MiB | RoutingContexts live | open files +10 s / +30 s / +${streams.after_secs} s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n` +
    `| ${streams.rss_start_mib} | ${streams.rss_base_mib} | ${streams.rss_peak_mib} | ${streams.rss_end_mib} | ${streams.rss_10s_mib} | ${streams.rss_30s_mib} | ${streams.rss_after_mib} | ${streams.rss_after_gc_mib} | ${streams.live_heap_mib} | ${streams.routing_contexts_live} | ${streams.fds_10s} / ${streams.fds_30s} / ${streams.fds_after} |\n\n`;
  if (streams.sample) out += `Samples of failed streams: ${streams.sample}\n\n`;
}

const startupRows = ['jdk17', 'jdk25', 'jdk25-aot-jar', 'jdk25-aot', 'jdk25-aot-serial'].map((v) => [v, kv(startupFile, `STARTUP_${v}`)])
  .filter(([, o]) => o);
if (startupRows.length) {
  const check = kv(p('startup', 'check.txt'), 'AOT_CHECK');
  out += `## start-up: exec to the first 200 of a chat completion, idle RSS ${startupRows[0][1].idle_secs} s after\n\n` +
    `${read(p('startup', 'load.txt')).trim().replace(/\n/g, '; ')}\n\n` +
    '| variant | runs | first answer median ms | min ms | of which the JVM\'s creation, median ms | Quarkus\' "started in", median ms | CPU until then, median ms | other processes\' CPU meanwhile, median ms | idle RSS median MiB | min MiB | of which anonymous / file-backed (median) | ERROR lines logged | 1-min load average at the starts |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n' +
    startupRows.map(([v, o]) => `| ${v} | ${o.runs} | ${o.first_answer_median_ms} | ${o.first_answer_min_ms} | ${o.create_vm_median_ms ?? '-'} | ${o.quarkus_started_median_ms ?? '-'} | ` +
      `${o.cpu_median_ms} | ${o.others_cpu_median_ms} | ` +
      `${o.rss_idle_median_mib} | ${o.rss_idle_min_mib} | ${o.rss_anon_median_mib} / ${o.rss_file_median_mib} | ${o.log_errors ?? '-'} | ${o.load1} |`).join('\n') + '\n\n' +
    (check ? `AOT cache check (one start with -Xlog:aot): opened ${check.opened}, [aot] errors ${check.aot_errors}, ` +
      `${check.classes_from_cache} of ${check.classes_loaded} classes loaded from the cache.\n\n` : '');
}

const prof = read(p('profile', 'profile-summary.md'));
if (prof) out += `## profile summary\n\n${prof}\n`;
const cpuProf = read(p('cpu-profile', 'cpu-profile-summary.md'));
if (cpuProf) out += `## cpu-profile summary\n\n${cpuProf}\n`;
const allocProf = read(p('alloc-profile', 'alloc-profile-summary.md'));
if (allocProf) out += `## alloc-profile summary\n\n${allocProf}\n`;
const jmh = read(p('jmh', 'jmh.txt'));
if (jmh) {
  const i = jmh.indexOf('\nBenchmark ');
  if (i >= 0) out += `## JMH\n\n\`\`\`\n${jmh.slice(i + 1).trim()}\n\`\`\`\n`;
}
process.stdout.write(out);
