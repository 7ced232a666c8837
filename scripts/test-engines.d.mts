/** Types of scripts/test-engines.mjs (throwaway PostgreSQL and Redis for tests and benchmarks). */
export declare const INSTALL_HINT: { postgres: string; redis: string };
export declare function findPostgresBin(): string | undefined;
export declare function findRedisServer(): string | undefined;
export declare function freePort(): Promise<number>;
/** A running throwaway engine: where to connect, and how to stop it (and remove its folder). */
export interface RunningEngine {
  url: string;
  port: number;
  stop(): void;
}
/** A PostgreSQL server that can also be stopped and started again on the same port, keeping its data. */
export interface RunningPostgres extends RunningEngine {
  halt(): void;
  resume(): void;
}
export declare function startPostgres(folder: string, options?: { durable?: boolean; maxConnections?: number }): Promise<RunningPostgres>;
export declare function startRedis(folder: string): Promise<RunningEngine>;
/** Stops the engine whose files are in `folder` (from any process) and removes the folder. */
export declare function stopEngine(folder: string): void;
