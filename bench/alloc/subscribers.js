/**
 * Child of alloc.js: N native-protocol clients, client i subscribed to `bench:room-{i % rooms}`,
 * and one publisher client. Told `{ expect, publish? }`, it counts publications received (and,
 * with `publish`, sends that many publish commands one after another, each after the last
 * reply), then answers 'done'.
 *
 *   argv: url n rooms
 */
import WebSocket from 'ws';

const [url, n, rooms] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
let received = 0;
let expected = Infinity;
let onAllReceived;
let onReply;

function connect(token, channel) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let step = 'connect';
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, connect: { token } })));
    ws.on('message', (message) => {
      const text = message.toString();
      if (text === '{}') return ws.send('{}');
      if (step === 'connect' && text.includes('"connect"')) {
        step = channel ? 'subscribe' : 'live';
        if (channel) ws.send(JSON.stringify({ id: 2, subscribe: { channel } }));
        else resolve(ws);
      } else if (step === 'subscribe' && text.includes('"id":2')) {
        step = 'live';
        resolve(ws);
      } else if (step === 'live') {
        for (const line of text.split('\n')) if (line.includes('"pub"')) received++;
        if (received >= expected) onAllReceived?.();
        if (text.includes('"publish"')) onReply?.();
      }
    });
    ws.on('error', reject);
  });
}

let publisher;
process.on('message', async (message) => {
  if (message === 'bye') process.exit(0);
  if (message.tokens) {
    for (let i = 0; i < n; i += 50) {
      const batch = Array.from({ length: Math.min(50, n - i) }, (_, k) => i + k);
      await Promise.all(batch.map((c) => connect(message.tokens[c], `bench:room-${c % rooms}`)));
    }
    publisher = await connect(message.publisherToken, undefined);
    process.send('ready');
    return;
  }
  received = 0;
  expected = message.expect;
  const allReceived = new Promise((resolve) => (onAllReceived = resolve));
  for (let k = 0; k < (message.publish ?? 0); k++) {
    const replied = new Promise((resolve) => (onReply = resolve));
    const data = { n: k, t: 1_733_000_000_000 + k };
    publisher.send(JSON.stringify({ id: 10 + k, publish: { channel: `bench:room-${k % rooms}`, data } }));
    await replied;
  }
  await allReceived;
  process.send('done');
});
