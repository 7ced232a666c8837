/**
 * aish as an MCP client (docs/tools.md): connections to the configured MCP servers
 * (`mcp_servers:`), on the official SDK's `Client`. A server is started when a call
 * first needs it and then shared until `close()` (the end of a run, or of `aish serve`);
 * a stdio server's stderr goes to its log file, not the terminal. A server that will
 * not start, or dies, is a `TOOL_SERVER_FAILED` error naming it; a tool that fails is
 * an error result, for the model to read.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, SdkError, SdkErrorCode, StreamableHTTPClientTransport, type CallToolResult, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { AishError } from '../protocol/index.js';

/** One `mcp_servers:` entry: a command aish starts (stdio), or a URL it connects to (Streamable HTTP). */
export type McpServerSettings = StdioServerSettings | HttpServerSettings;

export interface StdioServerSettings {
  command: string;
  args?: string[];
  /** Added to a small safe environment (PATH, HOME …), as the SDK starts servers. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface HttpServerSettings {
  url: string;
  headers?: Record<string, string>;
}

/** A tool of a server, as `tools/list` describes it. */
export interface McpTool {
  server: string;
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** A call's outcome: its result as text, and whether the tool said it failed. */
export interface McpCallOutcome {
  text: string;
  isError: boolean;
  /** The call ran past its timeout (and was cancelled). */
  timedOut?: boolean;
}

/** What {@link McpClients} needs besides the servers. */
export interface McpClientOptions {
  /** Where `mcp-NAME.log` files go (`$XDG_STATE_HOME/aish`). */
  logFolder: string;
}

/** The configured MCP servers, each started on first use. */
export class McpClients {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly started = new Set<Connection>();
  private closed = false;
  /** A run that ends with `process.exit` never awaits `close()`: its servers are stopped as it exits. */
  private readonly stopAtExit = (): void => {
    for (const connection of this.started) connection.kill();
  };

  constructor(
    private readonly servers: Readonly<Record<string, McpServerSettings>>,
    private readonly options: McpClientOptions,
  ) {}

  /** The configured servers' names, in config order. */
  names(): string[] {
    return Object.keys(this.servers);
  }

  has(server: string): boolean {
    return Object.hasOwn(this.servers, server);
  }

  /** The log file of a stdio server. */
  logFile(server: string): string {
    return join(this.options.logFolder, `mcp-${server}.log`);
  }

  /** The server's tools (listed once, when it starts); starts it if needed. */
  async tools(server: string): Promise<McpTool[]> {
    return (await this.connection(server)).tools;
  }

  /** Calls a tool; a tool error or a timeout is an outcome, a dead server a thrown `TOOL_SERVER_FAILED`. */
  async call(server: string, tool: string, args: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<McpCallOutcome> {
    const connection = await this.connection(server);
    return connection.call(tool, args, options);
  }

  /** Stops every started server (stdio servers get their stdin closed, then SIGTERM). */
  async close(): Promise<void> {
    this.closed = true;
    process.off('exit', this.stopAtExit);
    const started = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(started.map(async (pending) => (await pending.catch(() => undefined))?.close()));
  }

  private connection(server: string): Promise<Connection> {
    const settings = this.servers[server];
    if (!settings || !this.has(server)) return Promise.reject(new AishError('BAD_REQUEST', `no MCP server named '${server}' in mcp_servers`, { server }));
    if (this.closed) return Promise.reject(new AishError('SHUTTING_DOWN', 'MCP servers are stopped'));
    let pending = this.connections.get(server);
    if (!pending) {
      if (this.connections.size === 0 && this.started.size === 0) process.on('exit', this.stopAtExit);
      pending = Connection.open(server, settings, this.logFile(server));
      pending.then((connection) => this.started.add(connection), () => {});
      this.connections.set(server, pending);
      // A server that would not start is tried again by the next call that needs it.
      pending.catch(() => this.connections.delete(server));
    }
    return pending.then((connection) => {
      if (connection.failure) {
        this.connections.delete(server);
        throw connection.failure;
      }
      return connection;
    });
  }
}

/** The stdio transport, keeping the child's exit status for the error that names the server. */
class WatchedStdioTransport extends StdioClientTransport {
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves once the child has exited. */
  readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(...parameters: ConstructorParameters<typeof StdioClientTransport>) {
    super(...parameters);
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  override async start(): Promise<void> {
    try {
      await super.start();
    } catch (error) {
      this.markExited();
      throw error;
    }
    // The SDK keeps the child to itself; its exit status is what tells a crash from a clean stop.
    const child = (this as unknown as { _process?: ChildProcess })._process;
    if (!child) return this.markExited();
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      this.markExited();
    });
  }

  /** Stops the child at once if it is still running (the SDK waits up to 2 s for it to leave on its own). */
  kill(): void {
    (this as unknown as { _process?: ChildProcess })._process?.kill('SIGTERM');
  }
}

/** One started server. */
class Connection {
  tools: McpTool[] = [];
  /** Set once the server has died: every later call fails with it. */
  failure: AishError | undefined;
  private stopping = false;
  private readonly closedByServer: Promise<void>;
  private markClosed!: () => void;

  private constructor(
    private readonly name: string,
    private readonly client: Client,
    private readonly transport: Transport,
    private readonly log: LogTail | undefined,
  ) {
    this.closedByServer = new Promise((resolve) => (this.markClosed = resolve));
  }

  static async open(name: string, settings: McpServerSettings, logFile: string): Promise<Connection> {
    const client = new Client({ name: 'aish', version: '1' });
    let log: LogTail | undefined;
    let transport: Transport;
    if ('url' in settings) {
      const requestInit = settings.headers ? { headers: settings.headers } : {};
      transport = new StreamableHTTPClientTransport(new URL(settings.url), { requestInit });
    } else {
      log = LogTail.open(logFile);
      transport = new WatchedStdioTransport({
        command: settings.command,
        args: settings.args ?? [],
        ...(settings.env && { env: settings.env }),
        ...(settings.cwd !== undefined && { cwd: settings.cwd }),
        stderr: log.fd,
      });
    }
    const connection = new Connection(name, client, transport, log);
    client.onclose = () => connection.serverClosed();
    try {
      await client.connect(transport);
      connection.tools = await listTools(client, name);
    } catch (error) {
      const failure = await connection.startFailure(error, settings);
      await connection.close();
      throw failure;
    } finally {
      log?.closeFd();
    }
    return connection;
  }

  async call(tool: string, args: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<McpCallOutcome> {
    if (this.failure) throw this.failure;
    try {
      const result = (await this.client.callTool({ name: tool, arguments: args }, { signal: options.signal, timeout: options.timeoutMs, maxTotalTimeout: options.timeoutMs })) as CallToolResult;
      return { text: resultText(result), isError: result.isError === true };
    } catch (error) {
      if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
        return { text: `${this.name}.${tool} timed out after ${options.timeoutMs / 1000} s`, isError: true, timedOut: true };
      }
      if (options.signal.aborted) throw error;
      // A closed connection is a dead server: one clear error, not a result the model would work around.
      if (this.failure || (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed)) throw await this.died();
      return { text: error instanceof Error ? error.message : String(error), isError: true };
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    const stop = this.client.close().catch(() => {});
    if (this.transport instanceof WatchedStdioTransport) {
      // Servers leave when their stdin closes; one that does not is not waited for long.
      const timer = setTimeout(() => (this.transport as WatchedStdioTransport).kill(), 500);
      await Promise.race([this.transport.exited, stop]);
      clearTimeout(timer);
    }
    await stop;
  }

  /** Stops a stdio server at once (the process is exiting). */
  kill(): void {
    this.stopping = true;
    if (this.transport instanceof WatchedStdioTransport) this.transport.kill();
  }

  private serverClosed(): void {
    this.markClosed();
    if (!this.stopping) void this.died();
  }

  /** The error for a server that went away, once its exit status is known. */
  private async died(): Promise<AishError> {
    if (this.failure) return this.failure;
    if (this.transport instanceof WatchedStdioTransport) await Promise.race([this.transport.exited, delay(1000)]);
    else await Promise.race([this.closedByServer, delay(100)]);
    this.failure ??= serverFailure(this.name, this.exitText(), this.log?.lastLine() ?? 'the connection closed');
    return this.failure;
  }

  private exitText(): string {
    const exit = this.transport instanceof WatchedStdioTransport ? this.transport.exit : undefined;
    if (!exit) return 'exited';
    return exit.signal ? `exited (${exit.signal})` : `exited (status ${exit.code})`;
  }

  private async startFailure(error: unknown, settings: McpServerSettings): Promise<AishError> {
    const reason = error instanceof Error ? error.message : String(error);
    if ('url' in settings) return serverFailure(this.name, 'cannot be reached', `${settings.url}: ${reason}`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return serverFailure(this.name, 'exited (status 127)', `cannot run ${JSON.stringify(settings.command)}: no such command`);
    if (this.transport instanceof WatchedStdioTransport) await Promise.race([this.transport.exited, delay(1000)]);
    return serverFailure(this.name, this.exitText(), this.log?.lastLine() ?? reason);
  }
}

function serverFailure(name: string, what: string, detail: string): AishError {
  return new AishError('TOOL_SERVER_FAILED', `mcp server ${name} ${what}: ${detail}`, { server: name });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Every tool of a server (`tools/list`, page by page). */
async function listTools(client: Client, server: string): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    for (const tool of page.tools) {
      tools.push({ server, name: tool.name, ...(tool.description !== undefined && { description: tool.description }), inputSchema: tool.inputSchema as Record<string, unknown> });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/** A tool result as the text the model reads: text contents as they are, others named. */
export function resultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map((content) => {
    switch (content.type) {
      case 'text':
        return content.text;
      case 'resource':
        return 'text' in content.resource ? content.resource.text : `[resource ${content.resource.uri}]`;
      case 'resource_link':
        return `[resource ${content.uri}]`;
      default:
        return `[${content.type} ${'mimeType' in content ? content.mimeType : ''}]`.replace(' ]', ']');
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** A stdio server's log: the file its stderr is appended to, and where this start began in it. */
class LogTail {
  private constructor(
    readonly file: string,
    readonly fd: number,
    private readonly from: number,
  ) {}

  static open(file: string): LogTail {
    mkdirSync(join(file, '..'), { recursive: true });
    const fd = openSync(file, 'a');
    return new LogTail(file, fd, statSync(file).size);
  }

  /** The child has its own copy of the descriptor once started. */
  closeFd(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }

  /** The last non-blank line the server wrote since it started (at most 4 KiB back). */
  lastLine(): string | undefined {
    try {
      const size = statSync(this.file).size;
      const start = Math.max(this.from, size - 4096);
      if (size <= start) return undefined;
      const buffer = Buffer.alloc(size - start);
      const fd = openSync(this.file, 'r');
      try {
        readSync(fd, buffer, 0, buffer.length, start);
      } finally {
        closeSync(fd);
      }
      return buffer.toString('utf8').split('\n').map((line) => line.trim()).filter(Boolean).at(-1);
    } catch {
      return undefined;
    }
  }
}
