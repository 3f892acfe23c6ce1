/** The server's version, as `connect` replies and `/api/info` report it. */
export const VERSION = '0.1.0';
