#!/usr/bin/env node
// One start of Sluice, timed from exec to its first 200 answer of a chat completion.
//
//   node startup.js PORT KEY BODY_FILE LOG_FILE -- JAVA [JVM options...] -jar quarkus-run.jar
//
// Spawns the command (its environment: this one's, e.g. SLUICE_CONFIG and the ports), then POSTs BODY_FILE to
// http://127.0.0.1:PORT/v1/chat/completions on a new connection every STARTUP_POLL_MS (2) ms until one answers 200
// (refused connections and other answers are retried). Prints one line:
//
//   STARTUP first_answer_ms=… cpu_ms=… others_cpu_ms=… rss_idle_mib=… rss_anon_mib=… rss_file_mib=…
//           rss_peak_mib=… attempts=… pid=…
//
// first_answer_ms  from just before the spawn to the end of that 200 answer
// cpu_ms           the process's user + system time by then
// others_cpu_ms    the CPU time the rest of the machine used meanwhile: every CPU's busy time (/proc/stat) less
//                  Sluice's and this script's (the mock, and whatever else runs), to tell a quiet start from one
//                  that shared the cores
// rss_idle_mib     its VmRSS STARTUP_IDLE_SECS (5) s after that answer, nothing else sent; of which rss_anon_mib
//                  (heap, metaspace, code, stacks) and rss_file_mib (mapped files: the jars, libjvm, the AOT cache;
//                  processes that map the same file share these pages)
// rss_peak_mib     its VmHWM then
//
// Then it stops the process (SIGTERM, SIGKILL after 15 s) and exits; it gives up after STARTUP_TIMEOUT_SECS (60)
// without a 200 (STARTUP failed=…, exit 1). The process is this one's child, in its session.
'use strict';
const fs = require('fs');
const http = require('http');
const { spawn } = require('child_process');

const sep = process.argv.indexOf('--');
const [port, key, bodyFile, logFile] = process.argv.slice(2, sep);
const command = process.argv.slice(sep + 1);
if (sep < 0 || !logFile || command.length === 0) {
  console.error('usage: node startup.js PORT KEY BODY_FILE LOG_FILE -- JAVA [options...] -jar quarkus-run.jar');
  process.exit(2);
}
const POLL_MS = parseInt(process.env.STARTUP_POLL_MS || '2', 10);
const IDLE_SECS = parseFloat(process.env.STARTUP_IDLE_SECS || '5');
const TIMEOUT_SECS = parseFloat(process.env.STARTUP_TIMEOUT_SECS || '60');
const HZ = parseInt(process.env.CLK_TCK || '100', 10);
const body = fs.readFileSync(bodyFile);

const log = fs.openSync(logFile, 'w');
const machine0 = machineTicks();
const self0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const child = spawn(command[0], command.slice(1), { stdio: ['ignore', log, log] });
const ms = (t) => Number(t - t0) / 1e6;

let attempts = 0;
let done = false;
let exited = null;
child.on('exit', (code, signal) => { exited = signal || code; if (!done) finish(`failed=exited(${exited})`); });

function machineTicks() {  // [busy, all] CPU ticks of the whole machine since boot (the "cpu" line of /proc/stat)
  const t = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const all = t.reduce((a, b) => a + b, 0);
  return [all - t[3] - t[4], all];
}
function cpuMs(pid) {  // utime + stime of /proc/PID/stat (fields 14 and 15, counted after the command's closing paren)
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((parseInt(fields[11], 10) + parseInt(fields[12], 10)) * 1000) / HZ;
}
function statusKib(pid, field) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
  return m ? parseInt(m[1], 10) : NaN;
}

function attempt() {
  if (done) return;
  attempts++;
  const req = http.request({
    host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent: false,
    headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${key}` },
  }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode !== 200) { setTimeout(attempt, POLL_MS); return; }
      if (done) return;
      done = true;
      clearTimeout(deadline);
      const first = ms(process.hrtime.bigint());
      const cpu = cpuMs(child.pid);
      // what the rest of the machine ran meanwhile: every CPU's busy time less Sluice's and this script's
      const self = process.cpuUsage(self0);
      const others = ((machineTicks()[0] - machine0[0]) * 1000) / HZ - cpu - (self.user + self.system) / 1000;
      setTimeout(() => {
        const mib = (field) => (statusKib(child.pid, field) / 1024).toFixed(1);
        finish(`first_answer_ms=${first.toFixed(0)} cpu_ms=${cpu.toFixed(0)} ` +
          `others_cpu_ms=${Math.max(0, others).toFixed(0)} rss_idle_mib=${mib('VmRSS')} ` +
          `rss_anon_mib=${mib('RssAnon')} rss_file_mib=${mib('RssFile')} rss_peak_mib=${mib('VmHWM')} ` +
          `attempts=${attempts} pid=${child.pid}`);
      }, IDLE_SECS * 1000);
    });
  });
  req.on('error', () => setTimeout(attempt, POLL_MS));
  req.end(body);
}

let finished = false;
function finish(result) {
  if (finished) return;
  finished = true;
  done = true;
  console.log(`STARTUP ${result}`);
  stop(result.startsWith('failed') ? 1 : 0);
}
function stop(code) {
  if (exited !== null) process.exit(code);
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
  child.on('exit', () => { clearTimeout(kill); process.exit(code); });
}

const deadline = setTimeout(() => finish(`failed=no-200-within-${TIMEOUT_SECS}s attempts=${attempts}`),
  TIMEOUT_SECS * 1000);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { child.kill('SIGKILL'); process.exit(130); });
attempt();
