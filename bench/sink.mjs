// The bench's SMS gateway stand-in, in a process of its own so that it does not
// share an event loop with the load generator: takes each message at once and
// answers it 1-2 s later, like a real gateway. Reports each first receipt to the
// parent (phone, time). With BENCH_BOT_CHECK=1 it also stands in for Turnstile's
// siteverify at /siteverify, passing every token at once (the bench measures our
// CPU, not the provider's latency).
import { createServer } from 'node:http';

const seen = new Set();
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    // BENCH_TRACES=1: the OTLP/HTTP collector's stand-in, taking every batch of spans.
    if (request.url === '/v1/traces') {
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      return;
    }
    if (request.url === '/siteverify') {
      const hostname = 'bench.example';
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ success: true, challenge_ts: new Date().toISOString(), hostname, 'error-codes': [] }));
      return;
    }
    const { to } = JSON.parse(body);
    if (!seen.has(to)) {
      seen.add(to);
      process.send?.({ to, at: Date.now() });
    }
    setTimeout(() => response.writeHead(202).end(), 1000 + Math.random() * 1000);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ ready: true }));
