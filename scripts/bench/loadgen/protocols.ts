/**
 * The three wire protocols the load generator speaks: ChatterLink's own, the
 * minimal JSON protocol of the ws and uWS peers, and Socket.IO (engine.io v4
 * over WebSocket, spoken by hand so that the client side stays cheap).
 */

/** What one simulated client needs to connect and subscribe. */
export interface ClientSpec {
  readonly headers?: Readonly<Record<string, string>>;
  /** Rooms to join (peers); ChatterLink subscribes a socket to its user's rooms by itself. */
  readonly rooms: readonly string[];
  /** ChatterLink: the `since` of the hello frame. */
  readonly since?: number;
}

/** The side of a connection a handshake needs. */
export interface HandshakeChannel {
  send(text: string): void;
  /** Resolves with the next text payload (as a string) that satisfies `test`. */
  next(test: (text: string) => boolean): Promise<string>;
}

export interface Protocol {
  readonly path: string;
  /** Runs after the upgrade; resolves once the client receives its rooms' broadcasts. */
  handshake(channel: HandshakeChannel, client: ClientSpec): Promise<void>;
  /** The frame that posts `body` to `room` (`id` is a fresh UUID). */
  sendFrame(room: string, body: string, id: string): string;
  /** A reply the protocol requires to `payload` (Socket.IO heartbeats), if any. */
  reply?(payload: Buffer): string | undefined;
}

export type ProtocolName = 'chatterlink' | 'minimal' | 'socketio';

const chatterlink: Protocol = {
  path: '/ws',
  async handshake(channel, client) {
    const ready = channel.next((text) => text.startsWith('{"type":"ready"'));
    channel.send(JSON.stringify({ type: 'hello', since: client.since ?? 0, batch: true }));
    await ready;
  },
  sendFrame: (room, body, id) => JSON.stringify({ type: 'send', id, room, body }),
};

const minimal: Protocol = {
  path: '/ws',
  async handshake(channel, client) {
    for (const room of client.rooms) {
      const joined = channel.next((text) => text.startsWith('{"type":"joined"'));
      channel.send(JSON.stringify({ type: 'join', room }));
      await joined;
    }
  },
  sendFrame: (room, body) => JSON.stringify({ type: 'send', room, body }),
};

const PING = 0x32; // engine.io "2": ping; the answer is "3"

const socketio: Protocol = {
  path: '/socket.io/?EIO=4&transport=websocket',
  async handshake(channel, client) {
    // Namespace packets sent before the server confirmed the connect ("40") are dropped, so wait for it.
    const connected = channel.next((text) => text.startsWith('40'));
    channel.send('40');
    await connected;
    for (const room of client.rooms) {
      const joined = channel.next((text) => text.startsWith('42["joined"'));
      channel.send(`42${JSON.stringify(['join', room])}`);
      await joined;
    }
  },
  sendFrame: (room, body) => `42${JSON.stringify(['send', { room, body }])}`,
  reply: (payload) => (payload.length === 1 && payload[0] === PING ? '3' : undefined),
};

export const PROTOCOLS: Readonly<Record<ProtocolName, Protocol>> = { chatterlink, minimal, socketio };
