import { describe, expect, it } from 'vitest';
import { ConfigError, readServerOptions, SETTINGS } from '../src/config.js';
import { BUILTIN_NAMESPACES, DEFAULT_NAMESPACE_OPTIONS, NamespaceRegistry } from '../src/hub/namespaces.js';

describe('readServerOptions', () => {
  it('reads nothing from an empty environment', () => {
    expect(readServerOptions({}, {})).toEqual({});
  });

  it('parses every kind of environment value', () => {
    const options = readServerOptions(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        DABBA_JWT_SECRET: 's3cret',
        DABBA_API_KEY: 'key',
        DABBA_ALLOWED_ORIGINS: 'https://a.example, https://b.example,,',
        DABBA_PING_INTERVAL_MS: '10000',
        DABBA_MAX_CONNECTIONS_PER_USER: '0',
        LOG_LEVEL: 'warn',
        DABBA_NAMESPACES: '{"news":{"historySize":100,"historyTtlMs":60000},"chat":{"allowSubscribe":"authenticated"}}',
        UNRELATED: 'ignored',
      },
      {},
    );
    expect(options).toEqual({
      port: 8080,
      host: '127.0.0.1',
      jwtSecret: 's3cret',
      apiKey: 'key',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      pingIntervalMs: 10_000,
      maxConnectionsPerUser: 0,
      logLevel: 'warn',
      namespaces: {
        news: { historySize: 100, historyTtlMs: 60_000 },
        chat: { allowSubscribe: 'authenticated' },
      },
    });
  });

  it('has an environment variable and a flag for every setting, each mapped to a distinct option', () => {
    const keys = SETTINGS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const setting of SETTINGS) {
      const value = setting.kind === 'int' ? '7' : setting.kind === 'json' ? '{}' : 'x';
      expect(Object.keys(readServerOptions({ [setting.env]: value }, {}))).toEqual([setting.key]);
      expect(Object.keys(readServerOptions({}, { [setting.flag]: value }))).toEqual([setting.key]);
    }
  });

  it('lets flags override the environment, falling back to it for flags not given', () => {
    const options = readServerOptions(
      { PORT: '8080', DABBA_API_KEY: 'from-env', HOST: '0.0.0.0' },
      { port: '9090', 'api-key': 'from-flag', host: undefined },
    );
    expect(options).toMatchObject({ port: 9090, apiKey: 'from-flag', host: '0.0.0.0' });
  });

  it('treats an empty value as unset', () => {
    expect(readServerOptions({ PORT: '', DABBA_API_KEY: '' }, {})).toEqual({});
  });

  it('never turns a blank integer setting into 0', () => {
    let port: unknown;
    try {
      port = readServerOptions({ PORT: '  ' }, {}).port;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return;
    }
    expect(port).toBeUndefined();
  });

  it.each(['abc', '-1', '1.5', '80x', '0x1F', '1e3'])(
    'refuses %j as an integer with a ConfigError naming the variable',
    (raw) => {
      expect(() => readServerOptions({ PORT: raw }, {})).toThrow(ConfigError);
      expect(() => readServerOptions({ PORT: raw }, {})).toThrow(/PORT/);
      expect(() => readServerOptions({}, { 'pong-timeout-ms': raw })).toThrow(
        /DABBA_PONG_TIMEOUT_MS \/ --pong-timeout-ms: expected a non-negative integer/,
      );
    },
  );

  it('refuses namespaces that are not JSON', () => {
    const read = () => readServerOptions({ DABBA_NAMESPACES: '{news: 1}' }, {});
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/DABBA_NAMESPACES.*not valid JSON/);
  });

  it.each([
    ['an unknown option', '{"news":{"histrySize":10}}', /news/],
    ['a wrong type', '{"news":{"historySize":"10"}}', /news\.historySize/],
    ['a negative size', '{"news":{"historySize":-1}}', /news\.historySize/],
    ['a bad allowSubscribe', '{"news":{"allowSubscribe":"everyone"}}', /news\.allowSubscribe/],
    ['a bad namespace name', '{"bad name":{}}', /bad name/],
    ['a non-object', '[1,2]', /DABBA_NAMESPACES/],
  ])('refuses namespaces with %s, naming where', (_what, raw, where) => {
    const read = () => readServerOptions({}, { namespaces: raw });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(where);
  });

  it('errors are ConfigErrors, which the CLI prints without a stack', () => {
    try {
      readServerOptions({ PORT: 'x' }, {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).name).toBe('ConfigError');
    }
  });
});

describe('NamespaceRegistry', () => {
  it('has the built-in user and role namespaces with their documented options', () => {
    const registry = new NamespaceRegistry();
    expect(registry.names().sort()).toEqual(['role', 'user']);
    expect(registry.forChannel('user:42')).toEqual({
      ...DEFAULT_NAMESPACE_OPTIONS,
      ...BUILTIN_NAMESPACES.user,
      name: 'user',
    });
    expect(registry.forChannel('user:42')).toMatchObject({
      historySize: 300,
      historyTtlMs: 86_400_000,
      presence: true,
    });
    expect(registry.forChannel('role:driver')).toMatchObject({
      historySize: 50,
      historyTtlMs: 300_000,
      presence: false,
    });
  });

  it('resolves unknown namespaces, and names without one, to undefined', () => {
    const registry = new NamespaceRegistry();
    expect(registry.forChannel('orders:1')).toBeUndefined();
    expect(registry.forChannel('lobby')).toBeUndefined();
  });

  it('fills configured namespaces with the defaults', () => {
    const registry = new NamespaceRegistry({ news: { presence: true }, '': { allowSubscribe: 'authenticated' } });
    expect(registry.forChannel('news:today')).toEqual({ ...DEFAULT_NAMESPACE_OPTIONS, presence: true, name: 'news' });
    expect(DEFAULT_NAMESPACE_OPTIONS).toEqual({
      historySize: 0,
      historyTtlMs: 0,
      latestOnly: false,
      presence: false,
      joinLeave: false,
      allowClientPublish: false,
      allowSubscribe: 'authorizer',
      maxSubscribers: 0,
    });
    // The part before the first ':' is the namespace; a name without ':' is in namespace ''.
    expect(registry.forChannel('lobby')?.name).toBe('');
    expect(registry.forChannel('news:a:b')?.name).toBe('news');
  });

  it('refuses joinLeave without presence', () => {
    expect(() => new NamespaceRegistry({ room: { joinLeave: true } })).toThrow(
      /namespace "room": joinLeave needs presence/,
    );
    expect(new NamespaceRegistry({ room: { joinLeave: true, presence: true } }).forChannel('room:1')).toMatchObject({
      joinLeave: true,
      presence: true,
    });
  });

  it('refuses history without a positive TTL', () => {
    expect(() => new NamespaceRegistry({ news: { historySize: 10 } })).toThrow(
      /namespace "news": historySize needs a positive historyTtlMs/,
    );
    expect(() => new NamespaceRegistry({ news: { historySize: 10, historyTtlMs: 0 } })).toThrow(TypeError);
  });

  it('keeps exactly one publication for latest-only namespaces', () => {
    const registry = new NamespaceRegistry({
      tracking: { latestOnly: true, historyTtlMs: 60_000 },
      prices: { latestOnly: true, historySize: 50, historyTtlMs: 60_000 },
    });
    expect(registry.forChannel('tracking:o1')?.historySize).toBe(1);
    expect(registry.forChannel('prices:x')?.historySize).toBe(1);
    expect(() => new NamespaceRegistry({ tracking: { latestOnly: true } })).toThrow(/historyTtlMs/);
  });

  it('merges a later define into the existing namespace, and keeps it when the define is invalid', () => {
    const registry = new NamespaceRegistry();
    registry.define('orders', { historySize: 20, historyTtlMs: 60_000 });
    const merged = registry.define('orders', { presence: true });
    expect(merged).toMatchObject({ name: 'orders', historySize: 20, historyTtlMs: 60_000, presence: true });
    expect(registry.forChannel('orders:1')).toEqual(merged);

    expect(() => registry.define('orders', { historyTtlMs: 0 })).toThrow(TypeError);
    expect(registry.forChannel('orders:1')).toEqual(merged);
    expect(registry.define('user', { maxSubscribers: 3 })).toMatchObject({ historySize: 300, maxSubscribers: 3 });
  });
});
