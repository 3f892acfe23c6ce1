/**
 * Socket.IO 4 with rooms, websocket transport only.
 *   emit('sub', channel, ack)          → socket.join(channel); ack()
 *   emit('pub', {channel, data}, ack)  → io.to(channel).emit('msg', data); ack()
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { runServerChild } from './common.js';

runServerChild('socketio', async () => {
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    transports: ['websocket'],
    perMessageDeflate: false,
    httpCompression: false,
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
  });

  io.on('connection', (socket) => {
    socket.on('sub', (channel, ack) => {
      if (typeof channel === 'string') socket.join(channel);
      if (typeof ack === 'function') ack();
    });
    socket.on('pub', (msg, ack) => {
      if (msg && typeof msg.channel === 'string') io.to(msg.channel).emit('msg', msg.data);
      if (typeof ack === 'function') ack();
    });
  });

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: httpServer.address().port,
    path: '/socket.io/',
    close: () =>
      new Promise((resolve) => {
        io.disconnectSockets(true);
        io.close(() => resolve());
      }),
  };
});
