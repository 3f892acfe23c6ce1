import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric of one server instance, on its own registry (tests run several servers in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'dabba_connections',
    help: 'Open client connections',
    labelNames: ['face'],
    registers: [this.registry],
  });
  readonly connectionsTotal = new Counter({
    name: 'dabba_connections_total',
    help: 'Accepted client connections',
    labelNames: ['face'],
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: 'dabba_disconnects_total',
    help: 'Server-initiated disconnects by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly slowDisconnects = new Counter({
    name: 'dabba_slow_consumer_disconnects_total',
    help: 'Clients disconnected because their outbound queue passed its byte limit',
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: 'dabba_subscriptions',
    help: 'Active channel subscriptions on this node',
    registers: [this.registry],
  });
  readonly channels = new Gauge({
    name: 'dabba_channels',
    help: 'Channels with local subscribers',
    registers: [this.registry],
  });
  /**
   * Fan-out counts since the last scrape, added to the two counters below when the registry is
   * collected (countFanOut): prom-client's `inc` builds a label hash and a result object per
   * call, which every publication would pay.
   */
  private pendingDeliveries = 0;
  private readonly pendingPublications = new LabelTally();
  readonly publications: Counter<string> = new Counter({
    name: 'dabba_publications_total',
    help: 'Publications fanned out on this node',
    labelNames: ['namespace'],
    registers: [this.registry],
    collect: () => this.pendingPublications.addTo(this.publications, 'namespace'),
  });
  readonly deliveries: Counter = new Counter({
    name: 'dabba_deliveries_total',
    help: 'Publications handed to local subscribers',
    registers: [this.registry],
    collect: () => {
      this.deliveries.inc(this.pendingDeliveries);
      this.pendingDeliveries = 0;
    },
  });
  readonly recovery = new Counter({
    name: 'dabba_recovery_total',
    help: 'Subscription recovery attempts by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  /** Commands since the last scrape, by method (countCommand), added when the registry is collected. */
  private readonly pendingCommands = new LabelTally();
  readonly commands: Counter<string> = new Counter({
    name: 'dabba_commands_total',
    help: 'Client commands by method',
    labelNames: ['method'],
    registers: [this.registry],
    collect: () => this.pendingCommands.addTo(this.commands, 'method'),
  });
  readonly commandErrors = new Counter({
    name: 'dabba_command_errors_total',
    help: 'Client commands answered with an error, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly publishToDeliver = new Histogram({
    name: 'dabba_publish_to_deliver_seconds',
    help: 'Time from a publication being created to its fan-out on this node',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  /** The histogram without labels, looked up once: `observe` on it skips building a label object. */
  private readonly publishToDeliverChild = this.publishToDeliver.labels();

  /** One publication fanned out to `deliveries` local subscribers of a channel in `namespace`. */
  countFanOut(namespace: string, deliveries: number, publishToDeliverSeconds: number): void {
    this.pendingDeliveries += deliveries;
    this.pendingPublications.count(namespace);
    this.publishToDeliverChild.observe(publishToDeliverSeconds);
  }

  /** One client command (every frame's commands pass here). */
  countCommand(method: string): void {
    this.pendingCommands.count(method);
  }

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'dabba_',
      // The event-loop delay monitor samples on a timer: prom-client's 10 ms default wakes an
      // idle server 100 times a second. A delay still shows at its full length at 100 ms.
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  }
}

/** How often the event-loop delay metrics sample, ms. */
const EVENT_LOOP_SAMPLE_MS = 100;

/** Counts per label value, kept in a plain map until a scrape adds them to their counter. */
class LabelTally {
  private readonly counts = new Map<string, number>();

  count(value: string): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }

  addTo(counter: Counter<string>, label: string): void {
    for (const [value, count] of this.counts) if (count > 0) counter.inc({ [label]: value }, count);
    this.counts.clear();
  }
}
