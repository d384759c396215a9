// Peer servers for bench/listen.mjs: `node listen-servers.mjs bare|octokit SECRET` prints its port.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

const [kind, secret] = process.argv.slice(2);

function bare() {
  // The limit: read the body, check the HMAC, answer. Stores nothing.
  return createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok' : 'bad signature');
    });
  });
}

async function octokit() {
  const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks');
  const webhooks = new Webhooks({ secret });
  webhooks.onAny(() => {});
  const mw = createNodeMiddleware(webhooks, { path: '/', log: { debug() {}, info() {}, warn() {}, error() {} } });
  return createServer((req, res) => mw(req, res, () => { res.statusCode = 404; res.end(); }));
}

const server = kind === 'octokit' ? await octokit() : bare();
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
