import { randomUUID } from 'node:crypto';

/** Ids per prefix: the counter fills the UUID's last 12 hex digits. */
const IDS_PER_PREFIX = 2 ** 48;

let prefix = newPrefix();
let counter = 0;

/** The first 24 characters of a random UUID v4 (`xxxxxxxx-xxxx-4xxx-yxxx-`): version and variant included. */
function newPrefix(): string {
  return randomUUID().slice(0, 24);
}

/**
 * A new envelope id: unique, and shaped like a UUID v4. A random 74-bit prefix per process
 * followed by a counter, so it costs a fraction of `randomUUID()` per publish (which builds
 * its string from 16 byte lookups); ids are dedupe keys, not secrets.
 */
export function newEventId(): string {
  if (counter === IDS_PER_PREFIX) {
    prefix = newPrefix();
    counter = 0;
  }
  return prefix + (counter++).toString(16).padStart(12, '0');
}
