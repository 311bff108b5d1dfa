// A load balancer for the two-server end-to-end pass: listens on BALANCE_PORT and sends each
// request to the next of BALANCE_UPSTREAMS (comma-separated ports on 127.0.0.1) in turn, so one
// browser's consecutive requests land on different app servers. Streams (server-sent events, file
// exports) are piped as they come. /healthz answers only when every upstream is ready (/readyz).
import http from 'node:http';

const port = Number(process.env.BALANCE_PORT);
const upstreams = (process.env.BALANCE_UPSTREAMS ?? '').split(',').filter(Boolean).map(Number);
if (!port || upstreams.length === 0) {
  console.error('set BALANCE_PORT and BALANCE_UPSTREAMS');
  process.exit(2);
}
let next = 0;
const served = new Map(upstreams.map((p) => [p, 0]));

function forward(req, res, upstream) {
  const out = http.request(
    { host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      // Which app server answered, for the checks (a flat list, as rawHeaders is).
      res.writeHead(answer.statusCode ?? 502, [...answer.rawHeaders, 'x-balanced-to', String(upstream)]);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('upstream unavailable');
  });
  req.pipe(out);
}

function healthy(upstream) {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port: upstream, path: '/readyz' }, (r) => {
        r.resume();
        resolve(r.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

http
  .createServer(async (req, res) => {
    if (req.url === '/healthz') {
      const all = await Promise.all(upstreams.map(healthy));
      res.writeHead(all.every(Boolean) ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(all.every(Boolean) ? 'ok' : 'an upstream is not ready');
      return;
    }
    if (req.url === '/__balance') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Object.fromEntries(served)));
      return;
    }
    const upstream = upstreams[next];
    next = (next + 1) % upstreams.length;
    served.set(upstream, served.get(upstream) + 1);
    forward(req, res, upstream);
  })
  .listen(port, '127.0.0.1', () => console.log(`balancing 127.0.0.1:${port} over ${upstreams.join(', ')}`));
