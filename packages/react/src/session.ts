import type { ClientOptions } from '@dabba/client';

/**
 * What the provider knows about who is signed in: the latest token it saw (given, or fetched
 * through `getToken`) and the user id in it. Hooks use the id to tell "mine" from "theirs"
 * (typing indicators, unread messages) and the token for REST calls.
 */
export class Session {
  private currentToken: string | undefined;
  private currentUserId: string | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    token: string | undefined,
    private readonly fixedUserId: string | undefined,
    private readonly fetchToken: (() => Promise<string>) | undefined,
  ) {
    this.setToken(token);
  }

  get token(): string | undefined {
    return this.currentToken;
  }

  /** The user id given to the provider, else the `sub` of the latest token. */
  get userId(): string | undefined {
    return this.fixedUserId ?? this.currentUserId;
  }

  setToken(token: string | undefined): void {
    if (token === undefined || token === this.currentToken) return;
    this.currentToken = token;
    const userId = subjectOf(token);
    if (userId === this.currentUserId) return;
    this.currentUserId = userId;
    for (const listener of [...this.listeners]) listener();
  }

  /** The token for a REST call: the latest one, or a fresh one when there is none. */
  async tokenForRequest(): Promise<string> {
    if (this.currentToken) return this.currentToken;
    return this.refresh();
  }

  /** Asks `getToken` for a new token (after a 401); the old one when there is no `getToken`. */
  async refresh(): Promise<string> {
    if (!this.fetchToken) return this.currentToken ?? '';
    const token = await this.fetchToken();
    this.setToken(token);
    return token;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Client options whose `getToken` reports every token it fetches here. */
  wrap(options: ClientOptions): ClientOptions {
    const getToken = options.getToken;
    if (!getToken) return options;
    return {
      ...options,
      getToken: async () => {
        const token = await getToken();
        this.setToken(token);
        return token;
      },
    };
  }
}

/** The `sub` claim of a JWT, read without verifying it (the server verifies; this only names the user). */
export function subjectOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeBase64(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const claims = JSON.parse(json) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

function decodeBase64(base64: string): string {
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
