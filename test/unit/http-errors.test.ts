// Bad requests: each gets its documented code and Burrow's error shape, never a 5xx, and the server keeps
// answering. Targets a client library would refuse to send are written on a raw socket.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoServer } from '../contract/fixtures.ts';
import { contractErrors } from '../contract/validate.ts';

const TOKEN = 'test-token-0123456789abcdef';
const HOST = 'warren-test-host';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes to the server and reads the whole answer (the server closes or we ask it to). */
function rawRequest(port: number, bytes: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(bytes);
  });
}

const get = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;

function expectError(answer: { status: number; body: string }, status: number, message: string | RegExp) {
  expect(answer.status).toBe(status);
  const body = JSON.parse(answer.body) as { message: string };
  expect(contractErrors('error', body)).toBeNull();
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
  expect(answer.body).not.toMatch(/\bat .*\.ts:\d+|node_modules|stack/i);
}

describe('bad requests (no token configured)', () => {
  const { app, server } = demoServer();
  let port = 0;
  beforeAll(async () => {
    const address = await server.listen();
    port = Number(new URL(address).port);
  });
  afterAll(() => server.close());

  const inject = async (method: string, url: string, payload?: string, headers?: Record<string, string>) => {
    const response = await app.inject({ method: method as 'GET', url, ...(payload !== undefined ? { payload } : {}), ...(headers ? { headers } : {}) });
    return { status: response.statusCode, body: response.body, headers: response.headers };
  };

  it.each([
    ['/v3/kafka/nope', 'cluster module not found'],
    ['/v3/kafka/nope/topic', 'cluster not found'],
    ['/v3/kafka/nope/topic/orders', 'cluster or topic not found'],
    ['/v3/kafka/nope/topic/orders/consumers', 'cluster not found'],
    ['/v3/kafka/nope/consumer', 'cluster not found'],
    ['/v3/kafka/nope/consumer/orders-svc', 'cluster or consumer not found'],
    ['/v3/kafka/nope/status', 'cluster not found'],
    ['/v3/kafka/nope/lag', 'cluster not found'],
    ['/v3/config/cluster/nope', 'cluster module not found'],
    ['/v3/config/consumer/nope', 'consumer module not found'],
  ])('unknown cluster: GET %s → 404 %s', async (url, message) => {
    expectError(await inject('GET', url), 404, message);
  });

  it('unknown group: detail 404 error; status and lag 404 with error false and NOTFOUND', async () => {
    expectError(await inject('GET', '/v3/kafka/prod/consumer/nope'), 404, 'cluster or consumer not found');
    for (const url of ['/v3/kafka/prod/consumer/nope/status', '/v3/kafka/prod/consumer/nope/lag', '/v3/kafka/nope/consumer/nope/lag']) {
      const answer = await inject('GET', url);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toMatchObject({ error: false, status: { status: 'NOTFOUND' } });
    }
  });

  it('unknown topic: offsets 404; consumers of it an empty list (as Burrow)', async () => {
    expectError(await inject('GET', '/v3/kafka/prod/topic/nope'), 404, 'cluster or topic not found');
    const consumers = await inject('GET', '/v3/kafka/prod/topic/nope/consumers');
    expect(consumers.status).toBe(200);
    expect(JSON.parse(consumers.body).consumers).toEqual([]);
  });

  it('unknown route: 404 "invalid request type" in the JSON envelope', async () => {
    for (const url of ['/', '/v2/kafka', '/v3/kafka/prod/consumer/g/lag/extra', '/v3/config/nope', '/burrow']) {
      const answer = await inject('GET', url);
      expectError(answer, 404, 'invalid request type');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it.each([
    ['POST', '/v3/kafka', 'GET, HEAD, OPTIONS'],
    ['PUT', '/v3/kafka/prod/consumer/orders-svc', 'GET, DELETE, HEAD, OPTIONS'],
    ['GET', '/v3/kafka/prod/consumer/orders-svc/topic/orders', 'DELETE, OPTIONS'],
    ['DELETE', '/v3/kafka/prod/consumer/orders-svc/lag', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/metrics', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/v3/admin/loglevel', 'GET, POST, HEAD, OPTIONS'],
    ['TRACE', '/healthz', 'GET, HEAD, OPTIONS'],
  ])('wrong method: %s %s → 405 with Allow', async (method, url, allow) => {
    const answer = await inject(method, url);
    expectError(answer, 405, 'method not allowed');
    expect(answer.headers.allow).toBe(allow);
  });

  it('OPTIONS answers 200 with Allow, HEAD answers like GET without a body', async () => {
    const options = await inject('OPTIONS', '/v3/kafka/prod/consumer/orders-svc');
    expect(options.status).toBe(200);
    expect(options.headers.allow).toBe('GET, DELETE, HEAD, OPTIONS');
    const head = await inject('HEAD', '/v3/kafka');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('over-long request target: 414, and 431 when it overflows the HTTP parser', async () => {
    expectError(await inject('GET', `/v3/kafka/prod/consumer/${'g'.repeat(3000)}/lag`), 414, 'request path too long');
    expectError(await inject('GET', `/v3/kafka?x=${'q'.repeat(3000)}`), 414, 'request path too long');
    expectError(await rawRequest(port, get(`/v3/kafka/prod/consumer/${'g'.repeat(3000)}`)), 414, 'request path too long');
    expectError(await rawRequest(port, get(`/v3/kafka/prod/consumer/${'g'.repeat(40_000)}`)), 431, 'request line or headers too long');
  });

  it.each([
    ['/v3/kafka/prod/consumer/a%ZZ', 'invalid percent-encoding in request path'],
    ['/v3/kafka/prod/consumer/a%C3%28/lag', 'invalid percent-encoding in request path'],
    ['/v3/kafka/prod/consumer/a%', 'invalid percent-encoding in request path'],
    ['/v3/kafka/prod/consumer/a%00b', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/a%0D%0AX-Injected:%201/lag', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/a%7Fb', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/a|b', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/a"b', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/<script>', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/a\\b', 'invalid characters in request path'],
    ['/v3/kafka/prod/consumer/a{b}', 'invalid characters in request path'],
  ])('odd characters: %s → 400', async (target, message) => {
    expectError(await rawRequest(port, get(target)), 400, message);
  });

  it('raw bytes the HTTP parser refuses (space, control, non-ASCII) → 400 in the error shape', async () => {
    for (const bytes of [get('/v3/kafka/prod/consumer/a b'), get('/v3/kafka/prod/consumer/a\x01b'), Buffer.concat([Buffer.from('GET /v3/kafka/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])]) {
      const answer = await rawRequest(port, bytes);
      expect(answer.status).toBe(400);
      expect(contractErrors('error', JSON.parse(answer.body))).toBeNull();
    }
  });

  it('a group whose name has "/" or spaces is addressable percent-encoded (Burrow cannot)', async () => {
    const answer = await inject('GET', '/v3/kafka/prod/consumer/team%2Fgroup%20one/status');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).status.group).toBe('team/group one');
  });

  it('DELETE is refused while api.allowDelete is off: 403', async () => {
    expectError(await inject('DELETE', '/v3/kafka/prod/consumer/orders-svc'), 403, /disabled/);
    expectError(await inject('DELETE', '/v3/kafka/prod/consumer/orders-svc/topic/orders'), 403, /disabled/);
    expect((await inject('GET', '/v3/kafka/prod/consumer/orders-svc/lag')).status).toBe(200);
  });

  it('log level: undecodable body 400, unknown level 404, too large 413; any content type is read', async () => {
    expectError(await inject('POST', '/v3/admin/loglevel', '{"level":', { 'content-type': 'application/json' }), 400, 'could not decode message body');
    expectError(await inject('POST', '/v3/admin/loglevel', '[1]', { 'content-type': 'application/json' }), 400, 'could not decode message body');
    expectError(await inject('POST', '/v3/admin/loglevel', ''), 400, 'could not decode message body');
    expectError(await inject('POST', '/v3/admin/loglevel', '{"level":"verbose"}'), 404, 'unknown log level');
    expectError(await inject('POST', '/v3/admin/loglevel', '{"level":"constructor"}'), 404, 'unknown log level');
    expectError(await inject('POST', '/v3/admin/loglevel', '{}'), 404, 'unknown log level');
    expectError(await inject('POST', '/v3/admin/loglevel', JSON.stringify({ level: 'x'.repeat(100_000) })), 413, 'request body too large');
    for (const [type, level] of [['application/x-www-form-urlencoded', 'WARNING'], ['text/plain', 'Debug'], ['application/json', 'info']] as const) {
      const answer = await inject('POST', '/v3/admin/loglevel', JSON.stringify({ level }), { 'content-type': type });
      expect(answer.status).toBe(200);
    }
    expect(JSON.parse((await inject('GET', '/v3/admin/loglevel')).body).level).toBe('info');
  });

  it('never answers 5xx to random targets, and keeps answering', async () => {
    const pool = ['a', 'Z', '0', '.', '-', '_', '~', '%', '%2F', '%25', '%00', '%ff', '%E2%82%AC', '/', '//', '..', '?', '&', '=', '#', ';', ':', '@', '+', '!', "'", '(', '*'];
    const prefixes = ['/v3/kafka/', '/v3/kafka/prod/consumer/', '/v3/kafka/prod/topic/', '/v3/config/', '/metrics', '/burrow/admin', '/'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 400; i++) {
      let target = prefixes[random(prefixes.length)]!;
      for (let j = random(12); j > 0; j--) target += pool[random(pool.length)];
      const method = ['GET', 'POST', 'DELETE', 'PUT', 'HEAD'][random(5)]!;
      const answer = await app.inject({ method: method as 'GET', url: target.replace('#', '%23') });
      expect(answer.statusCode, `${method} ${target}`).toBeLessThan(500);
    }
    expect((await inject('GET', '/healthz')).status).toBe(200);
  });
});

describe('bearer token', () => {
  const { app, server } = demoServer({ api: { token: TOKEN } });
  afterAll(() => server.close());
  const inject = (url: string, authorization?: string, method = 'GET') =>
    app.inject({ method: method as 'GET', url, ...(authorization ? { headers: { authorization } } : {}) });

  it('missing: 401 "authorization required" with WWW-Authenticate, on every API path and unknown routes', async () => {
    for (const url of ['/v3/kafka', '/v3/kafka/prod/consumer/orders-svc/lag', '/metrics', '/v3/config', '/v3/admin/loglevel', '/no/such/route']) {
      const answer = await inject(url);
      expectError({ status: answer.statusCode, body: answer.body }, 401, 'authorization required');
      expect(answer.headers['www-authenticate']).toBe('Bearer realm="warren"');
      expect(JSON.parse(answer.body).request.host).toBe(HOST);
    }
  });

  it('wrong: 401 "invalid credentials"', async () => {
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${Buffer.from(`u:${TOKEN}0`).toString('base64')}`, `Token ${TOKEN}`, TOKEN]) {
      const answer = await inject('/v3/kafka', header);
      expect(answer.statusCode, header).toBe(401);
      expect(contractErrors('error', answer.json())).toBeNull();
    }
  });

  it('right: Bearer, or basic auth with the token as password (Telegraf), case-insensitive scheme', async () => {
    expect((await inject('/v3/kafka', `Bearer ${TOKEN}`)).statusCode).toBe(200);
    expect((await inject('/v3/kafka', `bearer ${TOKEN}`)).statusCode).toBe(200);
    expect((await inject('/v3/kafka', `Basic ${Buffer.from(`telegraf:${TOKEN}`).toString('base64')}`)).statusCode).toBe(200);
    expect((await inject('/metrics', `Bearer ${TOKEN}`)).statusCode).toBe(200);
    expect((await inject('/nope', `Bearer ${TOKEN}`)).statusCode).toBe(404);
  });

  it('health and Burrow admin checks need no token', async () => {
    for (const url of ['/healthz', '/readyz', '/burrow/admin', '/burrow/admin/ready', '/healthz/', '/readyz?x=1']) {
      expect((await inject(url)).statusCode, url).toBe(200);
    }
    // …but only those exact paths.
    expect((await inject('/burrow/admin/../../v3/kafka')).statusCode).not.toBe(200);
    expect((await inject('/healthz/../v3/kafka')).statusCode).not.toBe(200);
  });
});

describe('DELETE when allowed', () => {
  it('answers as Burrow (always 200) and forgets the group and its metric series', async () => {
    const { app, server } = demoServer({ api: { allowDelete: true } });
    try {
      const before = await app.inject({ url: '/metrics' });
      expect(before.body).toContain('consumer_group="lagging"');
      const removed = await app.inject({ method: 'DELETE', url: '/v3/kafka/prod/consumer/lagging' });
      expect(removed.statusCode).toBe(200);
      expect(removed.json()).toMatchObject({ error: false, message: 'consumer group removed' });
      expect((await app.inject({ url: '/v3/kafka/prod/consumer/lagging/lag' })).statusCode).toBe(404);
      expect((await app.inject({ url: '/v3/kafka/prod/consumer' })).json().consumers).not.toContain('lagging');
      expect((await app.inject({ url: '/metrics' })).body).not.toContain('consumer_group="lagging"');
      // Unknown names too, as Burrow.
      expect((await app.inject({ method: 'DELETE', url: '/v3/kafka/nope/consumer/nope' })).statusCode).toBe(200);
      // One topic of a group: the group stays while it has others.
      expect((await app.inject({ method: 'DELETE', url: '/v3/kafka/prod/consumer/stalled/topic/orders' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/v3/kafka/prod/consumer/stalled/lag' })).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('internal failures', () => {
  it('a failing state answers 500 "internal error" without details, and the server keeps going', async () => {
    const { app, server, tracker } = demoServer();
    const original = tracker.groupReport.bind(tracker);
    tracker.groupReport = () => {
      throw new Error('secret detail /etc/warren/key.pem');
    };
    try {
      const answer = await app.inject({ url: '/v3/kafka/prod/consumer/orders-svc/lag' });
      expectError({ status: answer.statusCode, body: answer.body }, 500, 'internal error');
      expect(answer.body).not.toContain('secret detail');
      tracker.groupReport = original;
      expect((await app.inject({ url: '/v3/kafka/prod/consumer/orders-svc/lag' })).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});
