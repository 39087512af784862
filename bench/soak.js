#!/usr/bin/env node
// The soak scenario's load generator (Node 20, built-in http only): an open loop at a fixed total rate with a fixed
// mix of request classes, for a fixed time; every SOAK_REPORT_SECS it prints one line of counts by outcome, and at
// the end the totals by class and outcome. It exits 1 if any request ended in an outcome its class must not have
// (a 500 internal_error, a success class that fails, a fault answered with another code, a request the client had
// to time out: SOAK_TIMEOUT_MS, 30 s), or if requests were still in flight SOAK_DRAIN_SECS after the last one was sent.
//
// usage: node bench/soak.js [URL]      (default http://127.0.0.1:18400/v1/chat/completions)
//
// Classes (SOAK_MIX: class=weight,...; the weights are shares of SOAK_RATE requests/s):
//   json          model SOAK_MODEL (the shared mock): a chat completion                     -> 200, a chat.completion
//   stream        the same with "stream": true                                              -> 200, ends in [DONE]
//   abort_stream  a slow stream (20 chunks 100 ms apart, the mock's x-mock-* headers); the client destroys it after
//                 its first chunk                                                           -> aborted
//   abort_json    a JSON answer delayed SOAK_ABORT_DELAY_MS by the mock; the client destroys it SOAK_ABORT_AFTER_MS
//                 after sending                                                             -> aborted
//   fault_5xx     model fault-5xx (bench/soak-backend.js: 500 or 503)                       -> 502 backend_http_error
//   fault_reset   model fault-reset (connection reset before any answer)                    -> 502 backend_connect_error
//   fault_stall   model fault-stall (no answer before the model's first-byte timeout)       -> 504 backend_timeout
//   fault_cut     model fault-cut, a stream reset half way                 -> 200, then event: error backend_stream_error
// Of the requests of a fault class, one in SOAK_FAULT_EVERY (4) carries "x-soak-fault: 1" and fails; the others are
// answered normally by the same backend (class "fault_healthy": 200), so that no fault backend fails more than a
// quarter of its calls and its circuit breaker (50% over 20 calls) stays closed: every fault path keeps running.
// Should a fault model's breaker open all the same (503 no_healthy_backends), that is counted as "tolerated".
// JSON and streamed requests alternate within the 5xx, reset and stall classes and their healthy companions.
'use strict';
const http = require('http');
const fs = require('fs');

const env = (k, d) => (process.env[k] === undefined || process.env[k] === '' ? d : process.env[k]);
const URL_ = new URL(process.argv[2] || env('SOAK_URL', 'http://127.0.0.1:18400/v1/chat/completions'));
const KEY = env('SOAK_KEY', 'sk-mock');
const RATE = parseFloat(env('SOAK_RATE', '100'));
const SECS = parseFloat(env('SOAK_SECS', '1800'));
const REPORT_SECS = parseFloat(env('SOAK_REPORT_SECS', '10'));
const FAULT_EVERY = parseInt(env('SOAK_FAULT_EVERY', '4'), 10);
const TIMEOUT_MS = parseInt(env('SOAK_TIMEOUT_MS', '30000'), 10);
const ABORT_DELAY_MS = parseInt(env('SOAK_ABORT_DELAY_MS', '1000'), 10);
const ABORT_AFTER_MS = parseInt(env('SOAK_ABORT_AFTER_MS', '100'), 10);
const DRAIN_SECS = parseFloat(env('SOAK_DRAIN_SECS', '40'));
const MODEL = env('SOAK_MODEL', 'soak');
const TSV = env('SOAK_TSV', '');
const MIX_SPEC = env('SOAK_MIX',
  'json=40,stream=20,abort_stream=5,abort_json=5,fault_5xx=7.5,fault_reset=7.5,fault_stall=7.5,fault_cut=7.5');

// what each class must end in; anything else is unexpected
const FAULT_MODEL = { fault_5xx: 'fault-5xx', fault_reset: 'fault-reset', fault_stall: 'fault-stall', fault_cut: 'fault-cut' };
const EXPECTED = {
  json: '200', stream: '200', abort_stream: 'aborted', abort_json: 'aborted', fault_healthy: '200',
  fault_5xx: '502:backend_http_error', fault_reset: '502:backend_connect_error', fault_stall: '504:backend_timeout',
  fault_cut: '200+stream_error:backend_stream_error',
};
// outcomes counted apart but not failing the run: a fault model's circuit breaker may open when the machine stalls
// (its failures finish at the timeout or at once, its successes late, so a window of 20 can hold half failures)
const TOLERATED = {
  fault_5xx: '503:no_healthy_backends', fault_reset: '503:no_healthy_backends', fault_stall: '503:no_healthy_backends',
  fault_cut: '503:no_healthy_backends', fault_healthy: '503:no_healthy_backends',
};
// the columns of the TSV, in this order; any other outcome is counted under "other"
const COLUMNS = [
  ['ok', '200'], ['aborted', 'aborted'], ['backend_http_error', '502:backend_http_error'],
  ['backend_connect_error', '502:backend_connect_error'], ['backend_timeout', '504:backend_timeout'],
  ['stream_error', '200+stream_error:backend_stream_error'], ['breaker_open', '503:no_healthy_backends'],
];

const mix = MIX_SPEC.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
  const [name, w] = s.split('=');
  if (!(name in EXPECTED) || name === 'fault_healthy') throw new Error(`SOAK_MIX: unknown class '${name}'`);
  const weight = parseFloat(w);
  if (!(weight >= 0)) throw new Error(`SOAK_MIX: bad weight in '${s}'`);
  return { name, weight, current: 0, n: 0 };
}).filter((c) => c.weight > 0);
const totalWeight = mix.reduce((s, c) => s + c.weight, 0);
if (!(RATE > 0) || !(SECS > 0) || totalWeight <= 0) throw new Error('SOAK_RATE, SOAK_SECS and SOAK_MIX must be positive');

// smooth weighted round robin: the exact mix in every stretch of requests, no randomness
function nextClass() {
  let best = null;
  for (const c of mix) {
    c.current += c.weight;
    if (best === null || c.current > best.current) best = c;
  }
  best.current -= totalWeight;
  return best;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 512 });
const bodies = {};
const body = (model, stream) => {
  const k = model + '/' + stream;
  if (!bodies[k]) {
    bodies[k] = Buffer.from(JSON.stringify({
      model, stream, max_tokens: 16, messages: [{ role: 'user', content: 'A soak test request: say hello.' }],
    }));
  }
  return bodies[k];
};

// ---------------------------------------------------------------- counters
let sent = 0, done = 0, unexpected = 0, tolerated = 0;
const interval = new Map();   // outcome -> count, since the last report
const totals = new Map();     // class -> Map(outcome -> count)
let latencies = [];           // ms of the json class, since the last report
const allJsonLatencies = [];
const examples = [];          // the first unexpected outcomes, with what was seen

function inc(map, k, n = 1) { map.set(k, (map.get(k) || 0) + n); }
function settle(cls, outcome, detail, startedNs) {
  done++;
  inc(interval, outcome);
  if (!totals.has(cls)) totals.set(cls, new Map());
  inc(totals.get(cls), outcome);
  if (outcome === TOLERATED[cls]) {
    tolerated++;
  } else if (outcome !== EXPECTED[cls]) {
    unexpected++;
    if (examples.length < 20) examples.push({ t_s: +elapsed().toFixed(1), class: cls, outcome, detail: (detail || '').slice(0, 400) });
  } else if (cls === 'json') {
    const ms = Number(process.hrtime.bigint() - startedNs) / 1e6;
    latencies.push(ms);
    allJsonLatencies.push(ms);
  }
}

function outcomeOf(status, stream, ctype, text) {
  if (status === 200) {
    if (stream) {
      if (!ctype.startsWith('text/event-stream')) return '200:not_event_stream';
      const err = /event: error\ndata: (.*)\n/.exec(text);
      if (err) {
        let code = 'unparsable';
        try { code = JSON.parse(err[1]).error.code; } catch (e) { /* keep */ }
        return '200+stream_error:' + code;
      }
      return text.includes('data: [DONE]') ? '200' : '200:incomplete';
    }
    try { return JSON.parse(text).object === 'chat.completion' ? '200' : '200:unexpected_body'; } catch (e) { return '200:bad_json'; }
  }
  let code = 'no_code';
  try { const j = JSON.parse(text); code = (j.error && j.error.code) || 'no_code'; } catch (e) { code = 'not_json'; }
  return status + ':' + code;
}

// ---------------------------------------------------------------- one request
function send(cls, model, stream, headers, abortAfterFirstChunk, abortAfterMs) {
  sent++;
  const startedNs = process.hrtime.bigint();
  const payload = body(model, stream);
  let settled = false, timer = null, abortTimer = null, seen = null;   // seen: what the answer had shown so far
  const finish = (outcome, detail) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearTimeout(abortTimer);
    settle(cls, outcome, detail, startedNs);
  };
  const req = http.request({
    host: URL_.hostname, port: URL_.port, path: URL_.pathname + URL_.search, method: 'POST', agent,
    headers: Object.assign({
      authorization: 'Bearer ' + KEY, 'content-type': 'application/json', 'content-length': payload.length,
    }, headers),
  }, (res) => {
    const parts = [];
    seen = { status: res.statusCode, request_id: res.headers['x-request-id'], parts };
    res.on('data', (c) => {
      if (abortAfterFirstChunk && res.statusCode === 200) {
        // the client goes away once the stream has started
        finish('aborted');
        req.destroy();
        return;
      }
      parts.push(c);
    });
    res.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      finish(outcomeOf(res.statusCode, stream, String(res.headers['content-type'] || ''), text),
        `status=${res.statusCode} request_id=${res.headers['x-request-id']} body=${text.slice(0, 300)}`);
    });
    res.on('error', (e) => finish('client_error:' + (e.code || e.message), String(e)));
    res.on('aborted', () => finish('client_error:response_aborted', `status=${res.statusCode}`));
  });
  req.on('error', (e) => finish('client_error:' + (e.code || e.message), String(e)));
  timer = setTimeout(() => {
    const got = seen ? Buffer.concat(seen.parts).toString('utf8') : '';
    finish('client_timeout', `no end after ${TIMEOUT_MS} ms; ` + (seen
      ? `status=${seen.status} request_id=${seen.request_id} bytes=${got.length} last=${JSON.stringify(got.slice(-160))}`
      : 'no response head'));
    req.destroy();
  }, TIMEOUT_MS);
  if (abortAfterMs > 0) abortTimer = setTimeout(() => { finish('aborted'); req.destroy(); }, abortAfterMs);
  req.end(payload);
}

function dispatch() {
  const c = nextClass();
  const n = c.n++;
  switch (c.name) {
    case 'json': return send('json', MODEL, false, {}, false, 0);
    case 'stream': return send('stream', MODEL, true, {}, false, 0);
    case 'abort_stream':
      return send('abort_stream', MODEL, true, { 'x-mock-chunks': '20', 'x-mock-chunk-delay-ms': '100' }, true, 0);
    case 'abort_json':
      return send('abort_json', MODEL, false, { 'x-mock-delay-ms': String(ABORT_DELAY_MS) }, false, ABORT_AFTER_MS);
    default: {
      // a fault class: one in FAULT_EVERY fails, JSON and streams alternate (the cut is always a stream)
      const faulted = n % FAULT_EVERY === 0;
      const k = Math.floor(n / FAULT_EVERY);
      const stream = c.name === 'fault_cut' || (faulted ? k % 2 === 1 : n % 2 === 1);
      return send(faulted ? c.name : 'fault_healthy', FAULT_MODEL[c.name], stream,
        faulted ? { 'x-soak-fault': '1' } : {}, false, 0);
    }
  }
}

// ---------------------------------------------------------------- the loop, the reports, the end
const t0 = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
let stopping = false, lastReport = 0, lastSent = 0;
const pct = (a, p) => {
  if (a.length === 0) return NaN;
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (x) => (Number.isNaN(x) ? '-' : x.toFixed(1));
if (TSV) {
  fs.writeFileSync(TSV, ['t_s', 'sent', 'done', 'inflight', ...COLUMNS.map((c) => c[0]), 'other', 'unexpected',
    'json_p50_ms', 'json_p99_ms'].join('\t') + '\n');
}

function report(final) {
  const t = elapsed();
  const counts = [...interval.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
  const p50 = pct(latencies, 50), p99 = pct(latencies, 99);
  console.log(`SOAK t=${t.toFixed(0)} sent=${sent} (+${sent - lastSent}) done=${done} inflight=${sent - done} ` +
    `unexpected=${unexpected} json_p50_ms=${fmt(p50)} json_p99_ms=${fmt(p99)} | ${counts || '-'}${final ? ' (final)' : ''}`);
  if (TSV) {
    const known = new Set(COLUMNS.map((c) => c[1]));
    const other = [...interval.entries()].filter(([k]) => !known.has(k)).reduce((s, [, v]) => s + v, 0);
    fs.appendFileSync(TSV, [t.toFixed(1), sent, done, sent - done, ...COLUMNS.map((c) => interval.get(c[1]) || 0),
      other, unexpected, fmt(p50), fmt(p99)].join('\t') + '\n');
  }
  interval.clear();
  latencies = [];
  lastSent = sent;
}

function summary(drained) {
  report(true);
  console.log(`SOAK_MIX rate=${RATE}/s secs=${SECS} fault_every=${FAULT_EVERY} ${mix.map((c) => `${c.name}=${c.weight}`).join(',')}`);
  for (const [cls, m] of [...totals.entries()].sort()) {
    for (const [outcome, n] of [...m.entries()].sort((a, b) => b[1] - a[1])) {
      const verdict = outcome === EXPECTED[cls] ? 'expected' : outcome === TOLERATED[cls] ? 'tolerated' : 'UNEXPECTED';
      console.log(`SOAK_TOTAL class=${cls} outcome=${outcome} count=${n} ${verdict}`);
    }
  }
  for (const e of examples) console.log('SOAK_UNEXPECTED ' + JSON.stringify(e));
  const ok = unexpected === 0 && drained;
  console.log(`SOAK_RESULT ${ok ? 'ok' : 'failed'} sent=${sent} done=${done} unexpected=${unexpected} tolerated=${tolerated} ` +
    `inflight_at_end=${sent - done} secs=${elapsed().toFixed(1)} rate=${(sent / SECS).toFixed(1)}/s ` +
    `json_p50_ms=${fmt(pct(allJsonLatencies, 50))} json_p99_ms=${fmt(pct(allJsonLatencies, 99))} ` +
    `json_p999_ms=${fmt(pct(allJsonLatencies, 99.9))}`);
  agent.destroy();
  process.exit(ok ? 0 : 1);
}

function stopAndDrain() {
  if (stopping) return;
  stopping = true;
  clearInterval(loop);
  const deadline = elapsed() + DRAIN_SECS;
  const wait = setInterval(() => {
    if (elapsed() - lastReport >= REPORT_SECS) { lastReport += REPORT_SECS; report(false); }
    if (sent === done || elapsed() >= deadline) { clearInterval(wait); summary(sent === done); }
  }, 50);
}

const loop = setInterval(() => {
  const t = elapsed();
  if (t >= SECS) { stopAndDrain(); return; }
  // open loop: requests are due at a fixed rate whatever happened to the earlier ones
  const due = Math.floor(t * RATE);
  while (sent < due) dispatch();
  if (t - lastReport >= REPORT_SECS) { lastReport += REPORT_SECS; report(false); }
}, 5);

console.log(`SOAK start url=${URL_.href} rate=${RATE}/s secs=${SECS} fault_every=${FAULT_EVERY} mix=${MIX_SPEC}`);
process.on('SIGTERM', stopAndDrain);
process.on('SIGINT', stopAndDrain);
