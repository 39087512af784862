// One request at a time on one keep-alive connection, RATE a second for SECS, with the harness's chat body and key:
//   node bench/paced-latency.js URL RATE SECS [BODY]   ->   n=… p50=…us p90=…us p99=…us (process.hrtime)
const http = require('http');
const [url, rate, secs] = [process.argv[2], +process.argv[3], +process.argv[4]];
const body = require('fs').readFileSync(process.argv[5] || `${__dirname}/../../shared/bench/body.json`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const u = new URL(url);
const lat = [];
function one() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'authorization': 'Bearer sk-mock', 'content-length': body.length } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => { lat.push(Number(process.hrtime.bigint() - t0) / 1000); resolve(res.statusCode); });
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  const end = Date.now() + secs * 1000; const gap = 1000 / rate; let next = Date.now();
  while (Date.now() < end) {
    await one();
    next += gap; const wait = next - Date.now(); if (wait > 0) await new Promise(r => setTimeout(r, wait));
  }
  lat.sort((a, b) => a - b); const q = (p) => lat[Math.floor(lat.length * p)].toFixed(0);
  console.log(`n=${lat.length} p50=${q(0.5)}us p90=${q(0.9)}us p99=${q(0.99)}us`);
  agent.destroy();
})();
