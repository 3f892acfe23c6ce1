import { trackingSnapshotSchema, type TrackingSnapshot } from '@dabba/protocol';
import { DabbaClientError } from './errors.js';

export interface RestDeps {
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  /** The current token; `refresh` asks for a new one after a 401 (when the app gave `getToken`). */
  token(): Promise<string>;
  refresh: (() => Promise<string>) | undefined;
}

/** `GET /orders/:id/tracking` as the token's holder, validated against the snapshot schema. */
export async function fetchTrackingSnapshot(deps: RestDeps, orderId: string): Promise<TrackingSnapshot> {
  const url = `${deps.baseUrl}/orders/${encodeURIComponent(orderId)}/tracking`;
  const get = async (token: string): Promise<Response> =>
    deps.fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  let response: Response;
  try {
    response = await get(await deps.token());
    if (response.status === 401 && deps.refresh) response = await get(await deps.refresh());
  } catch (cause) {
    throw new DabbaClientError('snapshot_failed', `tracking ${orderId}: ${String(cause)}`, { orderId }, { cause });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new DabbaClientError(
      'snapshot_failed',
      `tracking ${orderId}: ${response.status} ${typeof error?.message === 'string' ? error.message : response.statusText}`,
      { orderId, status: response.status, code: error?.code },
    );
  }
  const parsed = trackingSnapshotSchema.safeParse(body);
  if (!parsed.success) {
    throw new DabbaClientError('snapshot_failed', `tracking ${orderId}: the reply is not a tracking snapshot`, {
      orderId,
      issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  return parsed.data;
}
