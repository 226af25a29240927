import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { guildCreatePayload, messagePayload, snowflake, userPayload, type UserPayload } from './payloads.js';

/** One REST request the bot made, as the fake received it. */
export interface RecordedCall {
  method: string;
  /** Path below `/api/v10`, such as `/channels/1/messages`; file downloads keep their full path. */
  path: string;
  query: URLSearchParams;
  body: any;
  authorization: string | undefined;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** Status and JSON body the fake answered with; unset for empty answers and downloads. */
  status?: number;
  responseBody?: any;
}

/** A response to send in place of the default one. */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
}

const HEARTBEAT_INTERVAL_MS = 41_250;

/**
 * A fake Discord on 127.0.0.1: the REST routes the bot calls under `/api/v10`, a gateway
 * WebSocket at `/gateway` (HELLO, IDENTIFY to READY and GUILD_CREATE, heartbeats, RESUME),
 * and attachment downloads under `/attachments`. It records every request.
 */
export class FakeDiscord {
  readonly bot: UserPayload = userPayload({ username: 'snapclass', bot: true });
  readonly owner: UserPayload = userPayload({ username: 'owner' });
  readonly applicationId = this.bot.id;
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly calls: RecordedCall[] = [];
  readonly identifies: any[] = [];
  readonly resumes: any[] = [];
  /** Users that GET /users/:id returns. */
  readonly users = new Map<string, UserPayload>();

  private readonly files = new Map<string, StoredFile>();
  // Keys are decoded paths, as RecordedCall.path is.
  private readonly scripted: { match: (call: RecordedCall) => boolean; response: ScriptedResponse }[] = [];
  private readonly interactionChannels = new Map<string, string>();
  private readonly sockets = new Set<{ socket: WebSocket; sequence: number }>();
  private server!: http.Server;
  private gateway!: WebSocketServer;
  url = '';

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(): Promise<FakeDiscord> {
    const fake = new FakeDiscord();
    await fake.listen();
    return fake;
  }

  /** The REST base URL for the bot's `DISCORD_API_URL`. */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  /** Serves `bytes` at `path` (such as the URL path of an attachment payload). */
  addFile(url: string, bytes: Uint8Array, contentType: string): void {
    this.files.set(decodeURIComponent(new URL(url).pathname), { bytes, contentType });
  }

  /** Answers the next request that matches with `response` instead of the default. */
  respondOnce(match: (call: RecordedCall) => boolean, response: ScriptedResponse): void {
    this.scripted.push({ match, response });
  }

  /** Sends a gateway dispatch (op 0) to every connected client. */
  dispatch(type: string, data: any): void {
    if (type === 'INTERACTION_CREATE') this.interactionChannels.set(data.token, data.channel_id);
    for (const connection of this.sockets) this.send(connection, { op: 0, t: type, d: data });
  }

  /** Closes every gateway connection with `code`, as when Discord drops a session. */
  dropGateway(code = 4000): void {
    for (const { socket } of this.sockets) socket.close(code, 'dropped by the fake');
  }

  /** Number of open gateway connections. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Returns the recorded calls that match. */
  callsMatching(method: string, pathPattern: RegExp): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && pathPattern.test(call.path));
  }

  /** Waits until `count` recorded calls match, and returns them. */
  async waitForCalls(method: string, pathPattern: RegExp, count = 1, timeoutMs = 10_000): Promise<RecordedCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.callsMatching(method, pathPattern);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        const seen = this.calls.map((call) => `${call.method} ${call.path}`).join('\n  ');
        throw new Error(`Timed out waiting for ${count} ${method} ${pathPattern} calls; received:\n  ${seen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    for (const { socket } of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.gateway.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    this.gateway = new WebSocketServer({ server: this.server, path: '/gateway' });
    this.gateway.on('connection', (socket) => this.onConnection(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const raw = await readBody(request);
    const call: RecordedCall = {
      method: request.method ?? 'GET',
      path: decodeURIComponent(url.pathname).replace(/^\/api\/v10/, ''),
      query: url.searchParams,
      body: raw.length > 0 && request.headers['content-type']?.includes('json') ? JSON.parse(raw) : raw || undefined,
      authorization: request.headers.authorization,
      at: performance.now(),
    };
    this.calls.push(call);

    const scripted = this.scripted.findIndex((entry) => entry.match(call));
    if (scripted >= 0) {
      const { response: answer } = this.scripted.splice(scripted, 1)[0]!;
      return this.reply(call, response, answer.status, answer.body, answer.headers);
    }
    this.route(call, response);
  }

  private route(call: RecordedCall, response: http.ServerResponse): void {
    const { method, path } = call;
    let match: RegExpExecArray | null;

    if (path.startsWith('/attachments/')) {
      const file = this.files.get(path);
      if (!file) return this.reply(call, response, 404, { message: 'Not Found' });
      response.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
      response.end(file.bytes);
      return;
    }
    if (method === 'GET' && path === '/gateway/bot') {
      return this.reply(call, response, 200, {
        url: `${this.url.replace('http', 'ws')}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path)) {
      response.writeHead(204).end();
      return;
    }
    if (method === 'PATCH' && (match = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(path))) {
      const channelId = this.interactionChannels.get(match[1]!) ?? this.channelId;
      return this.reply(call, response, 200, messagePayload({ channel_id: channelId, author: this.bot, ...pickMessageFields(call.body), type: 20 }));
    }
    if (method === 'POST' && (match = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      return this.reply(call, response, 200, messagePayload({ channel_id: match[1]!, author: this.bot, ...pickMessageFields(call.body) }));
    }
    if ((method === 'PUT' || method === 'DELETE') && /^\/channels\/\d+\/messages\/\d+\/reactions\/[^/]+\/@me$/.test(path)) {
      response.writeHead(204).end();
      return;
    }
    if (method === 'GET' && (match = /^\/users\/(\d+)$/.exec(path))) {
      const user = this.users.get(match[1]!);
      return user ? this.reply(call, response, 200, user) : this.reply(call, response, 404, { message: 'Unknown User', code: 10013 });
    }
    if (method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      return this.reply(call, response, 200, (call.body as any[]).map((command) => ({ id: snowflake(), application_id: this.applicationId, version: snowflake(), ...command })));
    }
    this.reply(call, response, 404, { message: `No fake route for ${method} ${path}`, code: 0 });
  }

  private reply(call: RecordedCall, response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    call.status = status;
    call.responseBody = body;
    sendJson(response, status, body, headers);
  }

  private onConnection(socket: WebSocket): void {
    const connection = { socket, sequence: 0 };
    this.sockets.add(connection);
    socket.on('close', () => this.sockets.delete(connection));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } }));

    socket.on('message', (data) => {
      const payload = JSON.parse(String(data));
      if (payload.op === 1) socket.send(JSON.stringify({ op: 11 }));
      if (payload.op === 2) this.onIdentify(connection, payload.d);
      if (payload.op === 6) {
        this.resumes.push(payload.d);
        this.send(connection, { op: 0, t: 'RESUMED', d: {} });
      }
    });
  }

  private onIdentify(connection: { socket: WebSocket; sequence: number }, identify: any): void {
    this.identifies.push(identify);
    this.send(connection, {
      op: 0,
      t: 'READY',
      d: {
        v: 10,
        user: this.bot,
        guilds: [{ id: this.guildId, unavailable: true }],
        session_id: `session-${snowflake()}`,
        resume_gateway_url: `${this.url.replace('http', 'ws')}/gateway`,
        shard: [0, 1],
        application: { id: this.applicationId, flags: 0 },
        private_channels: [],
      },
    });
    this.send(connection, { op: 0, t: 'GUILD_CREATE', d: guildCreatePayload({ guildId: this.guildId, channelId: this.channelId, ownerId: this.owner.id }) });
  }

  private send(connection: { socket: WebSocket; sequence: number }, payload: { op: number; t?: string; d: unknown }): void {
    connection.sequence += 1;
    connection.socket.send(JSON.stringify({ ...payload, s: payload.op === 0 ? connection.sequence : null, t: payload.t ?? null }));
  }
}

function pickMessageFields(body: any): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (body?.content !== undefined) fields.content = body.content;
  if (body?.embeds !== undefined) fields.embeds = body.embeds;
  if (body?.message_reference !== undefined) fields.message_reference = body.message_reference;
  return fields;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}
