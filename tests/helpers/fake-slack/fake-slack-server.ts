import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { APP_ID, messageTs } from './payloads.js';

/** One Web API call or file download the bot made, as the fake received it. */
export interface RecordedSlackCall {
  /** Web API method such as `chat.postMessage`, or `GET <path>` for a file download. */
  method: string;
  /** Parsed form or JSON arguments; `blocks` is parsed from its JSON string. */
  args: Record<string, any>;
  authorization: string | undefined;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** The JSON body the fake answered with. */
  response?: any;
}

/** A response that replaces the default one, with an optional delay before it is sent. */
export interface ScriptedSlackResponse {
  status: number;
  headers?: Record<string, string>;
  body: string | Record<string, unknown>;
  delayMs?: number;
}

interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
}

/**
 * A fake Slack on 127.0.0.1: the Web API methods the bot calls under `/api/`, private file
 * downloads under `/files-pri/` that require the bot token, and a Socket Mode WebSocket at
 * `/socket` that `apps.connections.open` hands out for the app-level token. It records every
 * request and every Socket Mode acknowledgement.
 */
export class FakeSlack {
  readonly botUserId = 'U0BOT';
  readonly botId = 'B0BOT';
  readonly calls: RecordedSlackCall[] = [];
  /** File objects that files.info returns, by file id. */
  readonly fileInfos = new Map<string, Record<string, unknown>>();
  /** Users that users.info returns; unknown users are returned as humans. */
  readonly users = new Map<string, { id: string; is_bot: boolean }>();

  private readonly files = new Map<string, StoredFile>();
  private readonly scripted: { match: (call: RecordedSlackCall) => boolean; response: ScriptedSlackResponse }[] = [];
  private server!: http.Server;
  private socketServer!: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  /** Envelope ids the Socket Mode client acknowledged, in order. */
  readonly acks: string[] = [];
  url = '';

  constructor(
    private readonly botToken: string,
    private readonly appToken: string | null,
  ) {}

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(botToken: string, appToken: string | null = null): Promise<FakeSlack> {
    const fake = new FakeSlack(botToken, appToken);
    fake.server = http.createServer((request, response) => void fake.handle(request, response));
    fake.socketServer = new WebSocketServer({ server: fake.server, path: '/socket' });
    fake.socketServer.on('connection', (socket) => fake.onSocket(socket));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', () => resolve()));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The Web API base URL for the bot's `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** Serves `bytes` at the path of `url`, to requests that carry the bot token. */
  addFile(url: string, bytes: Uint8Array, contentType: string): void {
    this.files.set(new URL(url).pathname, { bytes, contentType });
  }

  /** Sends `response` to the next request that matches, instead of the default. */
  respondOnce(match: (call: RecordedSlackCall) => boolean, response: ScriptedSlackResponse): void {
    this.scripted.push({ match, response });
  }

  /** Returns the recorded calls of one method (or `GET <path prefix>`). */
  callsOf(method: string): RecordedSlackCall[] {
    return this.calls.filter((call) => call.method === method || (method.startsWith('GET ') && call.method.startsWith(method)));
  }

  /** Waits until `count` calls of `method` were recorded, and returns them. */
  async waitForCalls(method: string, count = 1, timeoutMs = 10_000): Promise<RecordedSlackCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.callsOf(method);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${count} ${method} calls; received: ${this.calls.map((call) => call.method).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Number of open Socket Mode connections. */
  get socketConnections(): number {
    return this.sockets.size;
  }

  /** Sends an Events API payload over every Socket Mode connection and returns its envelope id. */
  sendEnvelope(payload: Record<string, unknown>, type = 'events_api'): string {
    const envelopeId = crypto.randomUUID();
    const message = JSON.stringify({ envelope_id: envelopeId, payload, type, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' });
    for (const socket of this.sockets) socket.send(message);
    return envelopeId;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.socketServer.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const raw = await readBody(request);
    const isApi = url.pathname.startsWith('/api/');
    const call: RecordedSlackCall = {
      method: isApi ? url.pathname.slice('/api/'.length) : `GET ${url.pathname}`,
      args: isApi ? parseArgs(raw, request.headers['content-type']) : {},
      authorization: request.headers.authorization,
      at: performance.now(),
    };
    this.calls.push(call);

    const scripted = this.scripted.findIndex((entry) => entry.match(call));
    if (scripted >= 0) {
      const { response: answer } = this.scripted.splice(scripted, 1)[0]!;
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(text);
      return;
    }

    if (!isApi) return this.serveFile(url.pathname, call, response);
    const body = this.apiResponse(call);
    call.response = body;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  private serveFile(pathname: string, call: RecordedSlackCall, response: http.ServerResponse): void {
    const file = this.files.get(pathname);
    if (call.authorization !== `Bearer ${this.botToken}`) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('not_authed');
      return;
    }
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
      return;
    }
    response.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
    response.end(file.bytes);
  }

  private onSocket(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string };
      if (message.envelope_id) this.acks.push(message.envelope_id);
    });
    socket.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack' }, connection_info: { app_id: APP_ID } }));
  }

  private apiResponse(call: RecordedSlackCall): Record<string, unknown> {
    if (call.method === 'apps.connections.open') {
      if (!this.appToken || call.authorization !== `Bearer ${this.appToken}`) return { ok: false, error: 'invalid_auth' };
      return { ok: true, url: `${this.url.replace('http', 'ws')}/socket` };
    }
    if (call.authorization !== `Bearer ${this.botToken}`) return { ok: false, error: 'invalid_auth' };
    switch (call.method) {
      case 'auth.test':
        return { ok: true, url: 'https://snapclass-test.slack.com/', team: 'snapclass test', user: 'snapclass', team_id: 'T000TEAM', user_id: this.botUserId, bot_id: this.botId, is_enterprise_install: false };
      case 'chat.postMessage':
        return { ok: true, channel: call.args.channel, ts: messageTs(), message: { type: 'message', text: call.args.text, user: this.botUserId, bot_id: this.botId } };
      case 'reactions.add':
        return { ok: true };
      case 'files.info': {
        const file = this.fileInfos.get(call.args.file);
        return file ? { ok: true, file } : { ok: false, error: 'file_not_found' };
      }
      case 'users.info': {
        const user = this.users.get(call.args.user) ?? { id: call.args.user, is_bot: false };
        return { ok: true, user: { ...user, name: user.id.toLowerCase(), deleted: false } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, any> {
  if (raw.length === 0) return {};
  const args: Record<string, any> = contentType?.includes('json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
  if (typeof args.blocks === 'string') args.blocks = JSON.parse(args.blocks);
  return args;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
