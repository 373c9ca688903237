import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A deliberately minimal WebSocket client for load generation: one socket
 * costs a few hundred bytes of JS state and a received frame costs a header
 * parse and a `subarray`, so one load-generator core can take hundreds of
 * thousands of frames per second. No extensions, no fragmentation (the
 * servers measured never fragment small text frames).
 */

export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/**
 * A client-to-server text frame. Masking is mandatory; the all-zero key is
 * valid and leaves the payload as it is, so encoding is a header and a copy.
 */
export function clientFrame(text: string, opcode: number = OPCODE.text): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.writeUInt32BE(0, headerLength);
  frame.write(text, headerLength + 4, 'utf8');
  return frame;
}

/** Splits a server-to-client byte stream into frames, whatever the chunking. */
export class FrameReader {
  #pending: Buffer | undefined;

  constructor(private readonly onFrame: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buffer = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const opcode = buffer[offset]! & 0x0f;
      const masked = (buffer[offset + 1]! & 0x80) !== 0;
      let length = buffer[offset + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = Number(buffer.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (masked) header += 4;
      if (buffer.length - offset < header + length) break;
      const payload = buffer.subarray(offset + header, offset + header + length);
      if (masked) {
        const key = buffer.subarray(offset + header - 4, offset + header);
        for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
      }
      offset += header + length;
      this.onFrame(opcode, payload);
    }
    // A copy: `chunk` may be a read buffer that the next read overwrites.
    if (offset < buffer.length) this.#pending = Buffer.from(buffer.subarray(offset));
  }
}

const UPGRADE_TIMEOUT_MS = 30_000;

/** Every socket reads into this: a read is consumed (frames handed on, a remainder copied) before the next. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Source address, to spread many sockets over 127.0.0.x. */
  readonly localAddress?: string;
}

/** An open WebSocket: write frames, get every text frame's payload. */
export interface RawWebSocket {
  readonly socket: Socket;
  sendText(text: string): void;
  close(): void;
}

/**
 * Opens a WebSocket and resolves once the server answered 101. `onText` gets
 * every text payload (a view into the read buffer: copy it to keep it); pings
 * are answered.
 */
export function openWebSocket(options: ConnectOptions, onText: (payload: Buffer) => void, onClose: () => void = () => {}): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      // Reads land in one shared buffer and skip the stream machinery: a 'data'
      // event per read would cost the load generator more than parsing its frames.
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes) => {
          onData(READ_BUFFER.subarray(0, bytes));
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    const ws: RawWebSocket = {
      socket,
      sendText: (text) => void socket.write(clientFrame(text)),
      close: () => socket.destroy(),
    };
    const reader = new FrameReader((opcode, payload) => {
      if (opcode === OPCODE.text) onText(payload);
      else if (opcode === OPCODE.ping) socket.write(clientFrame(payload.toString('latin1'), OPCODE.pong));
      else if (opcode === OPCODE.close) socket.end();
    });
    const upgradeTimer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade within ${UPGRADE_TIMEOUT_MS} ms`));
    }, UPGRADE_TIMEOUT_MS);
    let head: Buffer | undefined = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      if (!head) return reader.push(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const rest = head.subarray(end + 4);
      head = undefined;
      clearTimeout(upgradeTimer);
      if (!/^HTTP\/1\.1 101/.test(status)) {
        socket.destroy();
        return reject(new Error(`upgrade refused: ${status}`));
      }
      resolve(ws);
      if (rest.length > 0) reader.push(rest);
    };
    socket.on('error', reject);
    socket.on('close', onClose);
    const request = [
      `GET ${options.path} HTTP/1.1`,
      `Host: ${options.host}:${options.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    socket.write(request);
  });
}
