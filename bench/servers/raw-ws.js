/**
 * Raw `ws` broadcaster: the practical ceiling for a Node WebSocket fan-out.
 *   client → {"sub":"chan"}                      server → {"subok":"chan"}
 *   client → {"pub":"chan","id":N,"data":{...}}  server → every subscriber gets
 *                                                {"ch":"chan","data":{...}} (encoded once),
 *                                                then the publisher gets {"ack":N,"n":<count>}
 */
import { WebSocketServer } from 'ws';
import { runServerChild } from './common.js';

runServerChild('raw-ws', async () => {
  // bench/run.js's `ws-tick`: a timer that does nothing but wake the process.
  const tickMs = Number(process.env.BENCH_WS_TICK_MS || 0);
  if (tickMs > 0) setInterval(() => {}, tickMs).unref();
  // bench/run.js's `ws-pad`: deliveries padded by BENCH_WS_PAD_BYTES (as long as Dabba's push).
  const pad = 'x'.repeat(Number(process.env.BENCH_WS_PAD_BYTES || 0));
  // bench/run.js's `ws-burn`: BENCH_WS_BURN_US of busy CPU after each publication's ack.
  const burnMs = Number(process.env.BENCH_WS_BURN_US || 0) / 1000;
  /** @type {Map<string, Set<import('ws').WebSocket>>} */
  const channels = new Map();
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    clientTracking: true,
    maxPayload: 64 * 1024,
  });

  wss.on('connection', (ws) => {
    /** @type {Set<string>} */
    const mine = new Set();
    ws.on('error', () => {});
    ws.on('message', (raw) => {
      let msg;
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        ws.close(1003, 'bad json');
        return;
      }
      if (typeof msg.sub === 'string') {
        let set = channels.get(msg.sub);
        if (!set) channels.set(msg.sub, (set = new Set()));
        set.add(ws);
        mine.add(msg.sub);
        ws.send(JSON.stringify({ subok: msg.sub }));
      } else if (typeof msg.pub === 'string') {
        const set = channels.get(msg.pub);
        let n = 0;
        if (set && set.size > 0) {
          // Serialize and UTF-8 encode once; every socket gets the same Buffer as a text frame.
          const out = Buffer.from(
            JSON.stringify(pad ? { ch: msg.pub, data: msg.data, pad } : { ch: msg.pub, data: msg.data }),
          );
          for (const s of set) {
            if (s.readyState === 1) {
              s.send(out, { binary: false });
              n++;
            }
          }
        }
        if (msg.id !== undefined) ws.send(`{"ack":${Number(msg.id)},"n":${n}}`);
        if (burnMs > 0) for (const until = performance.now() + burnMs; performance.now() < until;);
      }
    });
    ws.on('close', () => {
      for (const ch of mine) {
        const set = channels.get(ch);
        if (set) {
          set.delete(ws);
          if (set.size === 0) channels.delete(ch);
        }
      }
    });
  });

  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  return {
    port: wss.address().port,
    path: '/',
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
});
