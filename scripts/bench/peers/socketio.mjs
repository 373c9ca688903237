// Socket.IO peer: the benchmark's minimal protocol with Socket.IO rooms (WebSocket transport only, no compression).
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false, maxHttpBufferSize: 64 * 1024 });
io.on('connection', (socket) => {
  socket.on('join', (room) => {
    socket.join(room);
    socket.emit('joined', room);
  });
  socket.on('send', (message) => {
    io.to(message.room).emit('msg', { room: message.room, body: message.body });
  });
});
http.listen(0, '127.0.0.1', () => console.log(`LISTENING ${http.address().port}`));
