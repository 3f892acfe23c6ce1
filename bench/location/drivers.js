/**
 * Simulated drivers (child process): one native-protocol connection each, reporting positions
 * with the rpc `driver.location` as a driver app would, moving along their leg at 30 km/h.
 *
 * Requests from the parent: connect({ port, path, drivers, concurrency }), run({ mode, ... }), close.
 *   run({ mode: 'rate', perDriverHz, durationMs })  open loop: updates spread evenly over time
 *   run({ mode: 'saturate', inflight, durationMs }) closed loop: each driver keeps `inflight`
 *                                                     updates outstanding
 * A run returns what the server answered: accepted, errors by code, and how many replies carried
 * no order (which would mean the update reached no tracking channel) or no ETA.
 */
import WebSocket from 'ws';
import { serveRequests } from '../lib/child.js';
import { now, sleep, wallClockMs } from '../lib/clock.js';
import { openClient } from '../lib/protocols.js';
import { positionOnLeg } from './common.js';

/** @type {Array<{ ws: WebSocket, leg: object, startedAt: number, lastFixMs: number, inflight: number }>} */
const drivers = [];
let commandId = 10;
let run = null;
let closing = false;

function counters() {
  return { sent: 0, accepted: 0, errors: {}, noOrder: 0, noEta: 0, unexpectedCloses: 0 };
}
let totals = counters();

function send(driver) {
  // Strictly increasing fix times per driver: wall-clock ms, which the server reads as times.
  const at = Math.max(driver.lastFixMs + 1, Math.round(wallClockMs()));
  driver.lastFixMs = at;
  const { latitude, longitude } = positionOnLeg(driver.leg, at - driver.startedAt);
  const id = ++commandId;
  driver.ws.send(
    `{"id":${id},"rpc":{"method":"driver.location","data":{"latitude":${latitude},"longitude":${longitude},"timestamp":${at}}}}`,
  );
  driver.inflight++;
  totals.sent++;
}

function onReply(driver, line) {
  driver.inflight--;
  if (line.includes('"error"')) {
    const code = /"code":(\d+)/.exec(line)?.[1] ?? '?';
    totals.errors[code] = (totals.errors[code] ?? 0) + 1;
  } else {
    totals.accepted++;
    if (line.includes('"orderIds":[]')) totals.noOrder++;
    if (!line.includes('"etaMinutes"')) totals.noEta++;
  }
  if (run?.mode === 'saturate' && run.open && driver.inflight < run.inflight) send(driver);
}

function onFrame(driver, data) {
  const text = data.toString();
  for (const line of text.split('\n')) {
    if (line === '{}') driver.ws.send('{}');
    else if (line.startsWith('{"id":')) onReply(driver, line);
  }
}

serveRequests({
  async connect({ port, path, drivers: specs, concurrency }) {
    let next = 0;
    const errors = {};
    const lane = async () => {
      while (next < specs.length) {
        const spec = specs[next++];
        try {
          const ws = await openClient(WebSocket, 'dabba', { port, path, token: spec.token });
          const driver = { ws, leg: spec.leg, startedAt: wallClockMs(), lastFixMs: 0, inflight: 0 };
          ws.on('message', (data) => onFrame(driver, data));
          ws.on('close', () => {
            if (!closing) totals.unexpectedCloses++;
          });
          drivers.push(driver);
        } catch (err) {
          const key = String(err?.message ?? err).slice(0, 160);
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, lane));
    return { ok: drivers.length, errors };
  },

  async run({ mode, perDriverHz = 1, inflight = 1, durationMs }) {
    totals = counters();
    const cpu0 = process.cpuUsage();
    const t0 = now();
    run = { mode, inflight, open: true };
    if (mode === 'saturate') {
      for (const driver of drivers) for (let k = 0; k < inflight; k++) send(driver);
      await sleep(durationMs);
    } else {
      // Even pacing: update n of the run is due at t0 + n / (drivers × perDriverHz) seconds.
      const perMs = (drivers.length * perDriverHz) / 1000;
      let due = 0;
      while (now() - t0 < durationMs) {
        const target = Math.floor((now() - t0) * perMs);
        for (; due < target; due++) send(drivers[due % drivers.length]);
        await sleep(2);
      }
    }
    run.open = false;
    // Let the replies to what was sent come in (bounded).
    const deadline = now() + 10_000;
    while (drivers.some((d) => d.inflight > 0) && now() < deadline) await sleep(10);
    const cpu = process.cpuUsage(cpu0);
    return {
      ...totals,
      outstanding: drivers.reduce((sum, d) => sum + d.inflight, 0),
      wallS: (now() - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
    };
  },

  close() {
    closing = true;
    for (const driver of drivers) driver.ws.terminate();
    setTimeout(() => process.exit(0), 20);
    return {};
  },
});

process.send?.({ type: 'ready' });
