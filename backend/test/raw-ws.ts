import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A masked client text frame (RFC 6455 §5.2), for clients that speak WebSocket by hand. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = randomBytes(4);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

/** The HTTP request that asks `baseUrl` to upgrade `/ws`, with extra `headers`. */
export function upgradeRequest(baseUrl: string, headers: Record<string, string>): string {
  const { hostname, port } = new URL(baseUrl);
  return [
    'GET /ws HTTP/1.1',
    `Host: ${hostname}:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
}

/** Opens `/ws` over a plain TCP socket and resolves once the 101 arrived; the caller controls reading. */
export function rawWebSocket(baseUrl: string, headers: Record<string, string>): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const request = upgradeRequest(baseUrl, headers);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    // The answer's head may arrive in several chunks.
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(head.split('\r\n')[0]));
      else resolve(socket);
    };
    socket.on('data', onData);
    socket.write(request);
  });
}
