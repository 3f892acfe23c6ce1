export * from './codes.js';
export * from './channels.js';
export * from './envelope.js';
export * from './client-protocol.js';
export * from './roles.js';
export * from './orders.js';
export * from './catalog.js';
export * from './commerce.js';
