import { ConfigError } from '../config.js';
import { DEFAULT_SIMULATOR_OPTIONS, resolveSimulatorOptions, type SimulatorOptions } from './simulator.js';

/** The `dabba serve --dev --simulate` tuning flags, each a whole number. */
export const SIMULATE_FLAGS = [
  { flag: 'simulate-step-ms', key: 'stepIntervalMs', doc: 'pause before each status change of a simulated order, ms' },
  {
    flag: 'simulate-location-interval-ms',
    key: 'locationIntervalMs',
    doc: 'how often the simulated driver reports a position, ms, at least 1000',
  },
  { flag: 'simulate-speed-kmh', key: 'driverSpeedKmh', doc: 'simulated driver speed, km/h, at most 180' },
  { flag: 'simulate-pause-ms', key: 'pauseBetweenOrdersMs', doc: 'pause between two simulated orders, ms' },
] as const satisfies ReadonlyArray<{ flag: string; key: keyof SimulatorOptions; doc: string }>;

/** Usage lines for `--simulate` and its flags. */
export function simulateUsage(): string {
  const lines = ['  --simulate                       with --dev: run demo orders through the lifecycle, forever'];
  for (const { flag, key, doc } of SIMULATE_FLAGS) {
    lines.push(`  --${flag.padEnd(30)} ${doc} (default ${DEFAULT_SIMULATOR_OPTIONS[key]})`);
  }
  return lines.join('\n');
}

/**
 * Simulator options from parsed `serve` flags: undefined without `--simulate`. A ConfigError
 * (the CLI exits 2) for a bad value, or for simulation flags without `--simulate` and `--dev`.
 */
export function readSimulatorFlags(
  values: Record<string, string | boolean | undefined>,
  dev: boolean,
): SimulatorOptions | undefined {
  const options: SimulatorOptions = {};
  for (const { flag, key } of SIMULATE_FLAGS) {
    const raw = values[flag];
    if (raw === undefined) continue;
    if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw.trim()))
      throw new ConfigError(`--${flag}: expected a non-negative integer, got "${String(raw)}"`);
    if (!values.simulate) throw new ConfigError(`--${flag} needs --simulate`);
    options[key] = Number(raw.trim());
  }
  if (!values.simulate) return undefined;
  if (!dev) throw new ConfigError('--simulate needs --dev (it uses the demo users and kitchen)');
  try {
    resolveSimulatorOptions(options);
  } catch (error) {
    const message = (error as Error).message;
    const flag = SIMULATE_FLAGS.find((f) => message.startsWith(f.key))?.flag ?? 'simulate';
    throw new ConfigError(`--${flag}: ${message}`);
  }
  return options;
}
