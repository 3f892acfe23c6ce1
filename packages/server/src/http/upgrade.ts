import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Routes WebSocket upgrades by path to the face that owns it, after the Origin check. Faces
 * share one port; an upgrade to any other path is refused with 404.
 */
export class UpgradeRouter {
  private readonly routes = new Map<string, UpgradeHandler>();
  private refusing = false;

  constructor(private readonly originAllowed: (origin: string | undefined) => boolean) {}

  add(path: string, handler: UpgradeHandler): void {
    this.routes.set(path, handler);
  }

  /** From now on every upgrade is refused with 503: the server is shutting down. */
  refuseNew(): void {
    this.refusing = true;
  }

  has(path: string): boolean {
    return this.routes.has(path);
  }

  handle = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (this.refusing) return refuse(socket, 503, 'Service Unavailable');
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const handler = this.routes.get(q === -1 ? url : url.slice(0, q));
    if (!handler) return refuse(socket, 404, 'Not Found');
    if (!this.originAllowed(request.headers.origin)) return refuse(socket, 403, 'Forbidden');
    handler(request, socket, head);
  };
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * An Origin check from a configured list. No list, or `*` in it, allows every origin. A
 * request without Origin is not from a browser page, so there is no cross-site risk to stop.
 */
export function originChecker(allowedOrigins: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (!allowedOrigins || allowedOrigins.length === 0 || allowedOrigins.includes('*')) return () => true;
  const allowed = new Set(allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return (origin) => origin === undefined || allowed.has(origin.toLowerCase());
}
