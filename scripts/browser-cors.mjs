// By hand, not part of the test suite (it needs a browser): Debian's Chromium, headless, on two pages, one whose
// origin Sluice lists and one it does not, calling Sluice's OpenAI and Anthropic endpoints with fetch (preflight,
// JSON answer, stream, exposed headers, an error envelope). Prints what each page could read.
//
//   apt-get install -y chromium && mkdir -p /tmp/browser && (cd /tmp/browser && npm install playwright-core)
//   SLUICE_CORS_ORIGINS=http://localhost:5173 java -jar target/quarkus-app/quarkus-run.jar &   # the demo
//   NODE_PATH=/tmp/browser/node_modules node scripts/browser-cors.mjs
//
// Expected: the page on http://localhost:5173 reads every answer (and x-request-id / request-id); the page on
// http://localhost:5174, not listed, gets "Failed to fetch" for each (its preflight is answered 403).
import http from 'node:http';
import { createRequire } from 'node:module';

// playwright-core from NODE_PATH (ES module imports do not read it)
const { chromium } = createRequire(import.meta.url)('playwright-core');

const SLUICE = process.env.SLUICE || 'http://localhost:8080';
const page = `<!doctype html><html><body><script>
async function run() {
  const out = {};
  try {
    const r = await fetch('${SLUICE}/v1/chat/completions', { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-sluice-demo' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }) });
    const j = await r.json();
    out.chat = { status: r.status, requestId: r.headers.get('x-request-id'), content: j.choices && j.choices[0].message.content };
  } catch (e) { out.chat = { error: String(e) }; }
  try {
    const r = await fetch('${SLUICE}/v1/chat/completions', { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-sluice-demo' },
      body: JSON.stringify({ model: 'demo', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    const reader = r.body.getReader(); let text = '';
    for (;;) { const { done, value } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); }
    out.stream = { status: r.status, done: text.includes('[DONE]'), events: text.split('data: ').length - 1 };
  } catch (e) { out.stream = { error: String(e) }; }
  try {
    const r = await fetch('${SLUICE}/v1/messages', { method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-sluice-demo', 'anthropic-version': '2023-06-01',
                 'anthropic-dangerous-direct-browser-access': 'true' },
      body: JSON.stringify({ model: 'demo', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }) });
    const j = await r.json();
    out.messages = { status: r.status, requestId: r.headers.get('request-id'), stop: j.stop_reason };
  } catch (e) { out.messages = { error: String(e) }; }
  try {
    const r = await fetch('${SLUICE}/v1/chat/completions', { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-key' },
      body: JSON.stringify({ model: 'demo', messages: [] }) });
    const j = await r.json();
    out.badKey = { status: r.status, type: j.error && j.error.type, code: j.error && j.error.code };
  } catch (e) { out.badKey = { error: String(e) }; }
  return out;
}
</script></body></html>`;

function serve(port) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end(page); });
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const listed = await serve(5173), unlisted = await serve(5174);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const result = {};
for (const [name, origin] of [['listed', 'http://localhost:5173'], ['unlisted', 'http://localhost:5174']]) {
  const tab = await browser.newPage();
  const seen = [];
  tab.on('request', (r) => { if (r.url().startsWith(SLUICE)) seen.push(r.method()); });
  await tab.goto(origin + '/');
  result[name] = await tab.evaluate(() => run());
  result[name].methodsSeenByBrowser = seen;
}
await browser.close(); listed.close(); unlisted.close();
console.log(JSON.stringify(result, null, 2));
