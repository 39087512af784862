// A TCP relay that delays every chunk by D ms each way, to put a server (Redis) a network hop away on one machine:
//   node bench/delay-relay.js LISTEN_PORT TARGET_PORT D
const net = require('net');
const [listen, target, d] = process.argv.slice(2).map(Number);
net.createServer((client) => {
  const server = net.connect(target, '127.0.0.1');
  client.setNoDelay(true); server.setNoDelay(true);
  client.on('data', (b) => setTimeout(() => server.write(b), d));
  server.on('data', (b) => setTimeout(() => client.write(b), d));
  const close = () => { client.destroy(); server.destroy(); };
  client.on('error', close); server.on('error', close); client.on('close', close); server.on('close', close);
}).listen(listen, '127.0.0.1', () => console.log(`delay ${d} ms: ${listen} -> ${target}`));
