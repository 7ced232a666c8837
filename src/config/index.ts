/** Configuration: the built-in roster and file locations. */
export * from './roster.js';
export * from './paths.js';
