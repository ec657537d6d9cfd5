// Anchor 1 of `npm run bench`: a plain `node:http` route with no I/O. The ceiling of HTTP itself
// on this machine (same Node, same load generator). Listens on BENCH_PORT on 127.0.0.1.
import { createServer } from 'node:http';

const body = JSON.stringify({ status: 'ok' });

createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env['BENCH_PORT']), '127.0.0.1', () => console.log('listening'));
