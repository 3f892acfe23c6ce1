import type { Session } from './session.js';

/** A REST error as the server sends it: `{ error: { code, message, details? } }`. */
export class DabbaRestError extends Error {
  override readonly name = 'DabbaRestError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Calls the server's REST routes as the signed-in user (Bearer token, one retry after a 401). */
export interface RestClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function createRest(baseUrl: string, session: Session, fetchFn?: typeof globalThis.fetch): RestClient {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = fetchFn ?? globalThis.fetch.bind(globalThis);
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const send = async (token: string): Promise<Response> => {
        const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        return doFetch(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? null : JSON.stringify(body),
        });
      };
      let response = await send(await session.tokenForRequest());
      if (response.status === 401) response = await send(await session.refresh());
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (!response.ok) {
        const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
          ?.error;
        throw new DabbaRestError(
          response.status,
          typeof error?.code === 'string' ? error.code : 'http_error',
          typeof error?.message === 'string' ? error.message : `${method} ${path}: ${response.status}`,
          typeof error?.details === 'object' && error.details !== null
            ? (error.details as Record<string, unknown>)
            : {},
        );
      }
      return parsed as T;
    },
  };
}
