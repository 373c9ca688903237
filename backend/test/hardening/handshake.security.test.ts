import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeRequest } from '../raw-ws';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import { TestSocket } from '../ws-client';
import { securityEngine } from './security-server';
import { attack } from './tally';

/** Writes a WebSocket upgrade request with `cookie` and closes the connection after `delayMs` (-1: at once). */
function abortedUpgrade(baseUrl: string, cookie: string, delayMs: number): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(upgradeRequest(baseUrl, { Cookie: cookie, Origin: baseUrl }));
      if (delayMs < 0) socket.destroy();
      else setTimeout(() => socket.destroy(), delayMs);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
}

describe('the WebSocket handshake', () => {
  let server: TestServer;
  let alice: TestClient;
  beforeAll(async () => {
    server = await startTestServer(securityEngine);
    alice = await new TestClient(server.url).signUp('alice');
  });
  afterAll(async () => server?.close());

  it('refuses a foreign Origin (403) even with a valid session cookie', async () => {
    for (const origin of ['https://evil.example', 'null', `${server.url}.evil.example`, server.url.replace('127.0.0.1', 'localhost')]) {
      await attack(`WebSocket from Origin ${origin}`, async () => {
        const status = await TestSocket.open(server.url, { cookie: alice.cookie, origin }).then(
          (s) => (s.close(), 101),
          (e: { status?: number }) => e.status,
        );
        expect(status, origin).toBe(403);
      });
    }
  });

  it('refuses an upgrade without credentials (401)', async () => {
    await attack('WebSocket without credentials', async () => {
      const status = await TestSocket.open(server.url, { origin: server.url }).then(
        (s) => (s.close(), 101),
        (e: { status?: number }) => e.status,
      );
      expect(status).toBe(401);
    });
  });

  it('survives clients that abort while the upgrade is being authenticated', async () => {
    await attack('300 upgrades aborted mid-authentication', async () => {
      for (let round = 0; round < 30; round++) {
        await Promise.all(Array.from({ length: 10 }, (_, i) => abortedUpgrade(server.url, alice.cookie!, i - 1)));
      }
      expect((await alice.get('/healthz')).status).toBe(200);
      const socket = await alice.socket();
      expect((await socket.hello(0)).type).toBe('ready');
      socket.close();
    });
  });
});
