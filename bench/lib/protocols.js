/**
 * Lean client-side speakers of the three wire protocols, on top of `ws` directly (no SDKs:
 * socket.io-client / centrifuge-js cost too much per connection to drive 10k of them).
 *
 * Each protocol provides:
 *   url(port, path)                      WebSocket URL
 *   handshake(ws, {channel, token})      sends what is needed after 'open'; returns a step(text)
 *                                        function fed every incoming text frame until it
 *                                        returns true (connected, and subscribed if channel)
 *   steady(ws, onDeliveries)             message handler for a subscriber once ready: answers
 *                                        pings and hands frames carrying deliveries over
 *   pubFrame(id, channel, dataJson)      publish command carrying an ack id
 *   acks(ws, text, onAck)                publisher side: answer pings, call onAck(id, error?)
 *
 * Deliveries are recognised, for every protocol alike, by the `"sentAt":` key of the payload;
 * one frame may hold several (Dabba coalesces pushes, '\n'-separated).
 */

const PING_DABBA = '{}';

function fail(msg) {
  throw new Error(msg);
}

export const protocols = {
  ws: {
    url: (port) => `ws://127.0.0.1:${port}/`,
    handshake(ws, { channel }) {
      if (!channel) return { onOpen() {}, step: () => true, readyOnOpen: true };
      return {
        onOpen: () => ws.send(`{"sub":${JSON.stringify(channel)}}`),
        step: (s) => s.startsWith('{"subok"') || fail(`unexpected: ${s.slice(0, 200)}`),
      };
    },
    steady(ws, onDeliveries) {
      return (data) => onDeliveries(data.toString());
    },
    pubFrame: (id, channel, data) => `{"pub":"${channel}","id":${id},"data":${data}}`,
    acks(ws, s, onAck) {
      if (s.startsWith('{"ack":')) onAck(parseInt(s.slice(7), 10), null);
    },
  },

  socketio: {
    url: (port) => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`,
    handshake(ws, { channel }) {
      return {
        onOpen() {},
        step(s) {
          if (s === '2') {
            ws.send('3');
            return false;
          }
          if (s.startsWith('0{')) {
            ws.send('40'); // engine.io open → connect to namespace '/'
            return false;
          }
          if (s.startsWith('40')) {
            if (!channel) return true;
            ws.send(`420["sub",${JSON.stringify(channel)}]`); // event with ack id 0
            return false;
          }
          if (s.startsWith('430')) return true;
          if (s.startsWith('44')) fail(`connect_error: ${s.slice(0, 200)}`);
          return false;
        },
      };
    },
    steady(ws, onDeliveries) {
      return (data) => {
        const s = data.toString();
        if (s === '2') ws.send('3');
        else if (s.charCodeAt(0) === 52 && s.charCodeAt(1) === 50) onDeliveries(s); // "42…"
      };
    },
    pubFrame: (id, channel, data) => `42${id}["pub",{"channel":"${channel}","data":${data}}]`,
    acks(ws, s, onAck) {
      if (s === '2') ws.send('3');
      else if (s.charCodeAt(0) === 52 && s.charCodeAt(1) === 51) onAck(parseInt(s.slice(2), 10), null); // "43<id>[…]"
    },
  },

  dabba: {
    url: (port, path) => `ws://127.0.0.1:${port}${path || '/connection/websocket'}`,
    handshake(ws, { channel, token }) {
      return {
        onOpen: () => ws.send(JSON.stringify({ id: 1, connect: { token, name: 'bench' } })),
        step(s) {
          let done = false;
          for (const line of s.split('\n')) {
            if (line === '') continue;
            if (line === PING_DABBA) {
              ws.send(PING_DABBA);
              continue;
            }
            const m = JSON.parse(line);
            if (m.error) fail(`dabba error on id ${m.id}: ${JSON.stringify(m.error)}`);
            if (m.disconnect) fail(`dabba disconnect: ${JSON.stringify(m.disconnect)}`);
            if (m.id === 1 && m.connect) {
              if (!channel) done = true;
              else ws.send(JSON.stringify({ id: 2, subscribe: { channel } }));
            } else if (m.id === 2 && m.subscribe) {
              done = true;
            }
          }
          return done;
        },
      };
    },
    steady(ws, onDeliveries) {
      return (data) => {
        const s = data.toString();
        if (s === PING_DABBA || s.startsWith('{}\n') || s.includes('\n{}')) {
          // A ping line is exactly "{}"; any other object line starts with '{"'.
          ws.send(PING_DABBA);
        }
        onDeliveries(s);
      };
    },
    pubFrame: (id, channel, data) => `{"id":${id},"publish":{"channel":"${channel}","data":${data}}}`,
    acks(ws, s, onAck) {
      let start = 0;
      while (start < s.length) {
        let end = s.indexOf('\n', start);
        if (end === -1) end = s.length;
        const line = s.slice(start, end);
        start = end + 1;
        if (line === PING_DABBA) ws.send(PING_DABBA);
        else if (line.startsWith('{"id":')) {
          const id = parseInt(line.slice(6), 10);
          if (line.includes('"error"')) {
            let err;
            try {
              err = JSON.parse(line).error;
            } catch {
              err = { message: line.slice(0, 200) };
            }
            onAck(id, err ?? { message: line.slice(0, 200) });
          } else onAck(id, null);
        }
      }
    },
  },
};

/**
 * Open one WebSocket, run the protocol handshake, resolve with the socket once ready.
 * Bounded by timeoutMs; on any failure the socket is terminated.
 */
export function openClient(WebSocket, proto, { port, path, channel, token, timeoutMs = 15_000 }) {
  const P = protocols[proto];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(P.url(port, path), {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: timeoutMs,
    });
    const hs = P.handshake(ws, { channel, token });
    let settled = false;
    const timer = setTimeout(() => finish(new Error('handshake timeout')), timeoutMs);
    function finish(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (err) {
        ws.terminate();
        reject(err);
      } else resolve(ws);
    }
    function onMessage(data) {
      try {
        if (hs.step(data.toString()) === true) finish(null);
      } catch (err) {
        finish(err);
      }
    }
    function onClose(code, reason) {
      finish(new Error(`closed during handshake: ${code} ${reason}`));
    }
    ws.on('error', (err) => finish(err));
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('open', () => {
      try {
        hs.onOpen();
        if (hs.readyOnOpen) finish(null);
      } catch (err) {
        finish(err);
      }
    });
  });
}
