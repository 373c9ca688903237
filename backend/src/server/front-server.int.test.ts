import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontServer, type FrontServer, type FrontServerOptions } from './front-server';

type Handler = FrontServerOptions['handler'];

const MB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Deterministic, non-repeating-looking bytes, so a misplaced chunk changes the hash. */
function pattern(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const running: FrontServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(handler: Handler, options: Partial<FrontServerOptions> = {}) {
  const front = await startFrontServer({ host: '127.0.0.1', port: 0, handler, trustProxy: false, ...options });
  running.push(front);
  return { front, base: `http://127.0.0.1:${front.port}` };
}

/** The handler used by most tests: a Koa app like the real one, echoing what it saw. */
function koaHandler(): Handler {
  const app = new Koa({ proxy: true });
  app.use(koaBody({ json: true, jsonLimit: '16kb', text: false, urlencoded: false }));
  app.use(async (ctx) => {
    switch (ctx.path) {
      case '/echo-json':
        ctx.body = { received: ctx.request.body, type: ctx.request.type };
        return;
      case '/cookies':
        ctx.cookies.set('a', '1', { httpOnly: true });
        ctx.cookies.set('b', '2', { httpOnly: false });
        ctx.body = 'ok';
        return;
      case '/empty':
        ctx.status = 204;
        return;
      default:
        ctx.body = {
          method: ctx.method,
          url: ctx.url,
          query: ctx.query,
          ip: ctx.ip,
          protocol: ctx.protocol,
          host: ctx.host,
          headers: ctx.headers,
        };
    }
  });
  return app.callback();
}

/** Reads a whole Node response body. */
async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A node:http request through the front server; returns status, headers and body. */
function request(
  port: number,
  options: http.RequestOptions & { body?: Buffer | Readable },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...options }, (res) => {
      readAll(res).then((body) => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body }), reject);
    });
    req.on('error', reject);
    if (options.body instanceof Readable) options.body.pipe(req);
    else req.end(options.body);
  });
}

/**
 * Writes raw bytes on one TCP connection and collects what comes back until
 * `done(received)` holds or the connection closes.
 */
function raw(port: number, text: string | Buffer, done: (received: string) => boolean, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw exchange timed out; got ${JSON.stringify(received)}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (done(received)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
  });
}

const responsesIn = (text: string) => text.split('HTTP/1.1 ').length - 1;

describe('front server (uWebSockets.js → node:http over a unix socket)', () => {
  it('forwards a GET with its query string, method and headers', async () => {
    const { base } = await start(koaHandler());
    const res = await fetch(`${base}/search/things?q=a%20b&tag=x&tag=y`, { headers: { 'X-Custom': 'hello', Cookie: 'k=v' } });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { method: string; url: string; query: unknown; headers: Record<string, string> };
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/search/things?q=a%20b&tag=x&tag=y');
    expect(seen.query).toEqual({ q: 'a b', tag: ['x', 'y'] });
    expect(seen.headers['x-custom']).toBe('hello');
    expect(seen.headers.cookie).toBe('k=v');
  });

  it('keeps the method as sent and percent-encodes a raw UTF-8 path', async () => {
    let seen: { method?: string; url?: string } = {};
    const { front } = await start((req, res) => {
      seen = { method: req.method, url: req.url };
      res.end('ok');
    });
    const wire = Buffer.concat([Buffer.from('PATCH /caf'), Buffer.from('é', 'utf8'), Buffer.from('?x=1 HTTP/1.1\r\nHost: h\r\n\r\n')]);
    await raw(front.port, wire, (r) => r.endsWith('ok'));
    expect(seen.method).toBe('PATCH');
    // Node itself refuses these raw bytes (400); encoded, they name the same resource.
    expect(seen.url).toBe('/caf%C3%A9?x=1');
  });

  it('relays non-ASCII response header bytes exactly as Node sends them', async () => {
    const handler: Handler = (_req, res) => {
      res.setHeader('X-Echo', 'café');
      res.end(Buffer.from('ok'));
    };
    const direct = http.createServer(handler);
    await new Promise<void>((resolve) => direct.listen(0, '127.0.0.1', resolve));
    try {
      const { front } = await start(handler);
      const headerLine = async (port: number) => {
        const answer = Buffer.from(await raw(port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', (r) => r.endsWith('ok')), 'latin1');
        const start = answer.indexOf('X-Echo: ');
        return answer.subarray(start, answer.indexOf('\r\n', start));
      };
      const expected = await headerLine((direct.address() as net.AddressInfo).port);
      expect(expected.length).toBeGreaterThan('X-Echo: caf'.length);
      expect((await headerLine(front.port)).equals(expected)).toBe(true);
    } finally {
      direct.close();
    }
  });

  it('forwards a JSON POST to Koa and relays its answer', async () => {
    const { base } = await start(koaHandler());
    const payload = { text: 'héllo', n: [1, 2, 3] };
    const res = await fetch(`${base}/echo-json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ received: payload, type: 'application/json' });
  });

  it('streams a 5 MB request body intact, with Content-Length and chunked', async () => {
    const { front } = await start((req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), te: req.headers['transfer-encoding'] ?? null })));
    });
    const body = pattern(5 * MB);
    const sized = await request(front.port, { method: 'PUT', path: '/upload', headers: { 'Content-Length': body.length }, body });
    expect(JSON.parse(sized.body.toString())).toEqual({ bytes: body.length, sha256: sha256(body), te: null });

    // No Content-Length: the client streams chunked, the handler sees chunked.
    const chunks = function* () {
      for (let i = 0; i < body.length; i += 64 * 1024) yield body.subarray(i, i + 64 * 1024);
    };
    const streamed = await request(front.port, { method: 'POST', path: '/upload', body: Readable.from(chunks()) });
    expect(JSON.parse(streamed.body.toString())).toEqual({ bytes: body.length, sha256: sha256(body), te: 'chunked' });
  });

  it('streams a 5 MB response body intact, with the handler’s Content-Length when it sets one', async () => {
    const body = pattern(5 * MB, 7);
    const { base } = await start((req, res) => {
      if (req.url === '/sized') res.setHeader('Content-Length', body.length);
      // Several writes, so the relay really streams rather than passing one buffer.
      for (let i = 0; i < body.length; i += 256 * 1024) res.write(body.subarray(i, i + 256 * 1024));
      res.end();
    });
    const sized = await fetch(`${base}/sized`);
    expect(sized.headers.get('content-length')).toBe(String(body.length));
    expect(sha256(Buffer.from(await sized.arrayBuffer()))).toBe(sha256(body));

    const chunked = await fetch(`${base}/chunked`);
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(sha256(Buffer.from(await chunked.arrayBuffer()))).toBe(sha256(body));
  });

  it('sends exactly one Content-Length and one Date, and no hop-by-hop headers of the handler', async () => {
    const { front } = await start((_req, res) => {
      res.setHeader('Content-Length', 5);
      res.setHeader('Keep-Alive', 'timeout=99');
      res.setHeader('X-Kept', 'yes');
      res.end('hello');
    });
    const answer = await raw(front.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', (r) => r.endsWith('hello'));
    const head = answer.slice(0, answer.indexOf('\r\n\r\n')).toLowerCase();
    expect(head.match(/^content-length: 5$/gm)).toHaveLength(1);
    expect(head.match(/^date: /gm)).toHaveLength(1);
    expect(head).not.toMatch(/^keep-alive:/m);
    expect(head).toMatch(/^x-kept: yes$/m);
  });

  it('relays several Set-Cookie headers as separate headers', async () => {
    const { base, front } = await start(koaHandler());
    const res = await fetch(`${base}/cookies`);
    expect(res.headers.getSetCookie()).toEqual(['a=1; path=/; httponly', 'b=2; path=/']);
    const viaNode = await request(front.port, { path: '/cookies' });
    expect(viaNode.rawHeaders.filter((h) => h.toLowerCase() === 'set-cookie')).toHaveLength(2);
  });

  it('answers 204 without a body or length and keeps the connection usable', async () => {
    const { front } = await start(koaHandler());
    const answer = await raw(front.port, 'GET /empty HTTP/1.1\r\nHost: h\r\n\r\n', (r) => r.includes('\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(answer.toLowerCase()).not.toContain('content-length');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
    // A second request on the same connection, sent after the first answer.
    const socket = net.connect(front.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    socket.write('GET /empty HTTP/1.1\r\nHost: h\r\n\r\n');
    await expect.poll(() => responsesIn(received)).toBe(1);
    socket.write('GET /other HTTP/1.1\r\nHost: h\r\n\r\n');
    await expect.poll(() => received).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"method":"GET"/);
    socket.destroy();
  });

  it('answers HEAD with the Content-Length a GET would have, no body, and keeps the connection usable', async () => {
    const { front } = await start((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Content-Length', 11);
      res.end('hello world'); // Node drops the body for HEAD itself
    });
    const socket = net.connect(front.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    socket.write('HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n');
    await expect.poll(() => received.endsWith('\r\n\r\n')).toBe(true);
    const head = received;
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/\r\ncontent-length: 11\r\n/i);
    socket.write('GET /file HTTP/1.1\r\nHost: h\r\n\r\n');
    await expect.poll(() => received.endsWith('hello world')).toBe(true);
    // Nothing between the HEAD answer and the GET answer: the HEAD carried no body.
    expect(received.slice(head.length)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello world$/);
    socket.destroy();
  });

  it('replaces client-supplied X-Forwarded-* when the proxy is not trusted', async () => {
    const { base } = await start(koaHandler(), { trustProxy: false });
    const res = await fetch(`${base}/who`, {
      headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example', 'X-Real-IP': '6.6.6.6' },
    });
    const seen = (await res.json()) as { ip: string; protocol: string; host: string; headers: Record<string, string | undefined> };
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBeUndefined();
    expect(seen.headers['x-real-ip']).toBeUndefined();
    expect(seen.ip).toBe('127.0.0.1');
    expect(seen.protocol).toBe('http');
    expect(seen.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('keeps X-Forwarded-* and appends the peer when the proxy is trusted', async () => {
    const { base } = await start(koaHandler(), { trustProxy: true });
    const res = await fetch(`${base}/who`, {
      headers: { 'X-Forwarded-For': '203.0.113.9, 10.0.0.2', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'chat.example' },
    });
    const seen = (await res.json()) as { ip: string; protocol: string; host: string; headers: Record<string, string | undefined> };
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 10.0.0.2, 127.0.0.1');
    expect(seen.protocol).toBe('https');
    expect(seen.host).toBe('chat.example');

    const bare = (await (await fetch(`${base}/who`)).json()) as { headers: Record<string, string | undefined> };
    expect(bare.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(bare.headers['x-forwarded-proto']).toBe('http');
  });

  it('reports IPv6 peers in compressed form', async (ctx) => {
    let forwardedFor: unknown;
    const handler: Handler = (req, res) => {
      forwardedFor = req.headers['x-forwarded-for'];
      res.end();
    };
    const front = await startFrontServer({ host: '::1', port: 0, handler, trustProxy: false }).catch(() => undefined);
    if (!front) return ctx.skip(); // no IPv6 loopback on this machine
    running.push(front);
    await fetch(`http://[::1]:${front.port}/`);
    expect(forwardedFor).toBe('::1');
  });

  it('lets the handler refuse a too-large body (413) without hanging, and serves the next request', async () => {
    const { front } = await start(koaHandler());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const huge = Buffer.from(JSON.stringify({ blob: 'x'.repeat(5 * MB) }));
      const refused = await request(front.port, {
        agent,
        method: 'POST',
        path: '/echo-json',
        headers: { 'Content-Type': 'application/json', 'Content-Length': huge.length },
        body: huge,
      });
      expect(refused.status).toBe(413);
      const next = await request(front.port, { agent, path: '/after' });
      expect(next.status).toBe(200);
      expect(JSON.parse(next.body.toString()).url).toBe('/after');
    } finally {
      agent.destroy();
    }
  });

  it('serves a response that comes before the body was read, then drops the rest of the upload', async () => {
    let calls = 0;
    const { front } = await start((req, res) => {
      calls++;
      if (req.url === '/early') {
        res.statusCode = 401;
        res.end('{"error":"no"}');
        return;
      }
      req.resume();
      req.on('end', () => res.end('fine'));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = pattern(8 * MB);
      const early = await request(front.port, { agent, method: 'POST', path: '/early', headers: { 'Content-Length': body.length }, body });
      expect(early.status).toBe(401);
      expect(early.body.toString()).toBe('{"error":"no"}');
      const next = await request(front.port, { agent, method: 'POST', path: '/next', body: Buffer.from('abc') });
      expect(next.body.toString()).toBe('fine');
      expect(calls).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it('answers 502 JSON when the handler drops the connection before answering', async () => {
    const { base } = await start((req) => req.socket.destroy());
    const res = await fetch(`${base}/boom`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_gateway');
    expect(body.error.message).toEqual(expect.any(String));
  });

  it('cuts the client connection when the handler’s response breaks off midway', async () => {
    const { base } = await start((req, res) => {
      res.setHeader('Content-Length', 1000);
      res.write('only ten b', () => setTimeout(() => req.socket.destroy(), 20));
    });
    const res = await fetch(`${base}/truncated`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('survives a client that sends half a body and vanishes, telling the handler', async () => {
    let received = 0;
    let handlerSawClose!: (complete: boolean) => void;
    const closed = new Promise<boolean>((resolve) => (handlerSawClose = resolve));
    const { front, base } = await start((req, res) => {
      if (req.url !== '/upload') return void res.end('still here');
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('close', () => handlerSawClose(req.complete));
    });
    const socket = net.connect(front.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${4 * MB}\r\n\r\n`);
    socket.write(pattern(2 * MB));
    await expect.poll(() => received).toBeGreaterThan(0);
    socket.destroy();
    expect(await closed).toBe(false);
    expect(received).toBeLessThan(4 * MB);
    const res = await fetch(`${base}/ping`);
    expect(await res.text()).toBe('still here');
  });

  it('survives a client that disconnects during a slow streaming response, stopping the handler', async () => {
    let stopped!: () => void;
    const handlerStopped = new Promise<void>((resolve) => (stopped = resolve));
    const { front, base } = await start((req, res) => {
      if (req.url !== '/stream') return void res.end('still here');
      const timer = setInterval(() => res.write(`tick ${Date.now()}\n`), 10);
      res.on('close', () => {
        clearInterval(timer);
        stopped();
      });
    });
    const socket = net.connect(front.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /stream HTTP/1.1\r\nHost: h\r\n\r\n');
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    await expect.poll(() => got).toContain('tick');
    socket.destroy();
    await handlerStopped;
    const res = await fetch(`${base}/ping`);
    expect(await res.text()).toBe('still here');
  });

  it('holds the handler back while the client does not read (download backpressure)', async () => {
    const total = 64 * MB;
    const chunk = pattern(64 * 1024, 3);
    let written = 0;
    let sawBackpressure = false;
    const { front } = await start((_req, res) => {
      res.setHeader('Content-Length', total);
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            sawBackpressure = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: front.port, path: '/big', agent: false }, resolve).on('error', reject);
    });
    response.pause();
    await sleep(500);
    // Kernel buffers hold a few MB; without backpressure all 64 MB would be gone.
    expect(sawBackpressure).toBe(true);
    expect(written).toBeLessThan(total / 2);
    const body = await readAll(response);
    expect(body.length).toBe(total);
    const expected = createHash('sha256');
    for (let i = 0; i < total; i += chunk.length) expected.update(chunk);
    expect(sha256(body)).toBe(expected.digest('hex'));
  });

  it('holds the client back while the handler does not read (upload backpressure)', async () => {
    const total = 64 * MB;
    const chunk = pattern(64 * 1024, 5);
    let pulled = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { front } = await start((req, res) => {
      req.pause();
      void released.then(() => {
        let bytes = 0;
        req.on('data', (c: Buffer) => (bytes += c.length));
        req.on('end', () => res.end(String(bytes)));
        req.resume();
      });
    });
    const source = Readable.from(
      (function* () {
        while (pulled < total) {
          pulled += chunk.length;
          yield chunk;
        }
      })(),
    );
    const answer = request(front.port, { method: 'POST', path: '/up', headers: { 'Content-Length': total }, body: source });
    await sleep(500);
    expect(pulled).toBeLessThan(total / 2);
    release();
    const done = await answer;
    expect(done.body.toString()).toBe(String(total));
  });

  it('serves routes registered through configure directly from uWS', async () => {
    let handlerCalls = 0;
    const { base } = await start(
      (_req, res) => {
        handlerCalls++;
        res.end('from handler');
      },
      { configure: (app) => app.get('/direct', (res) => void res.writeHeader('X-Served-By', 'uws').end('from uws')) },
    );
    const direct = await fetch(`${base}/direct`);
    expect(await direct.text()).toBe('from uws');
    expect(direct.headers.get('x-served-by')).toBe('uws');
    expect(handlerCalls).toBe(0);
    expect(await (await fetch(`${base}/direct/not`)).text()).toBe('from handler');
    expect(handlerCalls).toBe(1);
  });

  it('keeps its unix socket private (0600, in a 0700 directory under the temp dir)', async () => {
    const { front } = await start(koaHandler());
    const stat = statSync(front.socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(statSync(dirname(front.socketPath)).mode & 0o777).toBe(0o700);
    expect(dirname(dirname(front.socketPath))).toBe(tmpdir());
  });

  it('close() frees the port and removes the socket file', async () => {
    const { front } = await start(koaHandler());
    running.splice(running.indexOf(front), 1); // closed by hand below
    const { port, socketPath } = front;
    expect(await canBind(port)).toBe(false);
    // Served, then closed by the client. (Connections uWS closes itself leave
    // TIME_WAIT entries that block any re-bind for a minute: see front-server.ts.)
    expect(await raw(port, 'GET /warm HTTP/1.1\r\nHost: h\r\n\r\n', (r) => r.endsWith('}'))).toMatch(/^HTTP\/1\.1 200 OK/);
    await front.close();
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(dirname(socketPath))).toBe(false);
    expect(await canBind(port)).toBe(true);
    const again = await startFrontServer({ host: '127.0.0.1', port, handler: koaHandler(), trustProxy: false });
    try {
      expect(again.port).toBe(port);
      expect((await fetch(`http://127.0.0.1:${port}/again`)).status).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('close() does not wait forever for a handler that never answers', async () => {
    const { front, base } = await start(() => {});
    running.splice(running.indexOf(front), 1); // closed by hand below
    const stuck = fetch(`${base}/never`).then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(100);
    const started = Date.now();
    await front.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await stuck).toBe('cut');
  });

  it('refuses to start on a port that is taken', async () => {
    const { front } = await start(koaHandler());
    await expect(startFrontServer({ host: '127.0.0.1', port: front.port, handler: koaHandler(), trustProxy: false })).rejects.toThrow(/could not listen/);
  });

  it('refuses a port another process listens on with uWS, instead of sharing its connections (SO_REUSEPORT)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    // Another server started the usual way on a fixed port, as a second node would be.
    const listener = `import * as uWS from 'uWebSockets.js';
      uWS.App().any('/*', (res) => res.end('other')).listen('127.0.0.1', ${port}, (s) => console.log(s ? 'listening' : 'failed'));`;
    const other = spawn(process.execPath, ['--input-type=module', '-e', listener], { cwd: 'backend', stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      expect(await new Promise<string>((resolve) => other.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())))).toBe('listening');
      await expect(startFrontServer({ host: '127.0.0.1', port, handler: koaHandler(), trustProxy: false })).rejects.toThrow(/could not listen/);
    } finally {
      other.kill();
    }
  });
});

/** Whether a plain Node server can bind host:port right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
