/** The protocol: wire types, the `Specialists` contract and the error table. */
export * from './errors.js';
export * from './specialists.js';
export * from './bulk.js';
export * from './ids.js';
export * from './answer.js';
export * from './suggest.js';
export * from './rpc.js';
export * from './text-file.js';
export * from './network-errors.js';
export * from './backoff.js';
export * from './providers.js';
export * from './call-signal.js';
