// Plain `ws` peer: the benchmark's minimal protocol with a room → sockets map; each broadcast is serialised once.
import { WebSocketServer } from 'ws';

const rooms = new Map();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 });
server.on('connection', (ws) => {
  const joined = new Set();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'join') {
      if (!rooms.has(frame.room)) rooms.set(frame.room, new Set());
      rooms.get(frame.room).add(ws);
      joined.add(frame.room);
      ws.send(JSON.stringify({ type: 'joined', room: frame.room }));
    } else if (frame.type === 'send') {
      const out = Buffer.from(JSON.stringify({ type: 'msg', room: frame.room, body: frame.body }));
      for (const member of rooms.get(frame.room) ?? []) member.send(out, { binary: false });
    }
  });
  ws.on('close', () => {
    for (const room of joined) rooms.get(room)?.delete(ws);
  });
});
server.on('listening', () => console.log(`LISTENING ${server.address().port}`));
