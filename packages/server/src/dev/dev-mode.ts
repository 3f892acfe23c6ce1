import type { Kitchen } from '../domain/stores/store-service.js';
import type { DabbaServer } from '../server.js';
import { devBanner, watchHint, type BannerContext } from './banner.js';
import { demoPlan, seedDemoData } from './seed.js';
import { OrderSimulator, type SimulatorOptions } from './simulator.js';

export interface DevModeOptions {
  /** Signs the printed demo tokens; without it (a public key or JWKS configured) none are printed. */
  jwtSecret?: string | undefined;
  /** The server API key, printed in the banner. */
  apiKey?: string | undefined;
  /** Runs the order simulator with these options; unset: no simulation. */
  simulate?: SimulatorOptions | undefined;
  /** Whether the demo web app is served at `/` (the banner says where, or how to build it). Unset: the banner does not mention it. */
  webApp?: boolean;
  /** Where the banner and the simulator's hints go. Default: stdout. */
  write?: (text: string) => void;
}

export interface DevMode {
  readonly kitchen: Kitchen;
  /** Stops the simulator (if any), cancelling its unfinished order. Call before closing the server. */
  stop(): Promise<void>;
}

/**
 * `dabba serve --dev` once the server is up: seeds the demo users and kitchen, prints the banner,
 * and with `simulate` runs demo orders until stopped.
 */
export async function startDevMode(server: DabbaServer, options: DevModeOptions = {}): Promise<DevMode> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const context: BannerContext = { url: server.url, jwtSecret: options.jwtSecret, apiKey: options.apiKey };
  const kitchen = await seedDemoData(server.domain);
  write(await devBanner({ ...context, webApp: options.webApp }, kitchen, options.simulate !== undefined));
  if (!options.simulate) return { kitchen, stop: () => Promise.resolve() };

  const plan = demoPlan(kitchen);
  // Ride on from where a previous run left the driver: a jump back to the start would be refused.
  const { locations } = server.domain;
  const lastPosition = await locations.latestPosition(plan.driver.id);
  if (lastPosition) plan.driverStart = { latitude: lastPosition.latitude, longitude: lastPosition.longitude };
  const simulator = new OrderSimulator(
    { orders: server.domain.orders, locations, logger: server.logger },
    plan,
    options.simulate,
    {
      placed: (order) => {
        watchHint(context, order).then(write, (error: unknown) =>
          server.logger.warn({ err: error }, 'could not print how to watch the simulated order'),
        );
      },
    },
  );
  // A server closed without stop() still ends the simulation: no timer outlives it.
  server.app.server.once('close', () => void simulator.stop());
  simulator.start();
  return { kitchen, stop: () => simulator.stop() };
}
