/**
 * Vitest's jsdom environment puts jsdom's typed-array constructors on the global object, while
 * Node's own APIs (TextEncoder, Buffer, crypto) keep making Node's. The server under test runs
 * in this same process, and `jose` checks keys with `instanceof Uint8Array`: give the global
 * back Node's constructor. Import this first in every test file.
 */
const nodeUint8Array = Object.getPrototypeOf(Buffer.prototype).constructor as Uint8ArrayConstructor;
if (globalThis.Uint8Array !== nodeUint8Array) globalThis.Uint8Array = nodeUint8Array;
