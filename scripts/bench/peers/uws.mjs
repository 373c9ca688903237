// Bare uWebSockets.js peer: the benchmark's minimal protocol (join a room, send, broadcast) with uWS topics.
import * as uWS from 'uWebSockets.js';

const app = uWS.App();
const decoder = new TextDecoder();
app.ws('/ws', {
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 16 * 1024 * 1024,
  idleTimeout: 120,
  message: (ws, message) => {
    const frame = JSON.parse(decoder.decode(message));
    if (frame.type === 'join') {
      ws.subscribe(frame.room);
      ws.send(JSON.stringify({ type: 'joined', room: frame.room }));
    } else if (frame.type === 'send') {
      app.publish(frame.room, JSON.stringify({ type: 'msg', room: frame.room, body: frame.body }));
    }
  },
});
app.listen('127.0.0.1', 0, (listenSocket) => {
  if (!listenSocket) throw new Error('uWS could not listen');
  console.log(`LISTENING ${uWS.us_socket_local_port(listenSocket)}`);
});
