import crypto from 'node:crypto';

/**
 * Factories for Slack Events API and slash command payloads, with the fields Bolt and the bot
 * read, and a signer that builds the `x-slack-signature` headers. Each factory takes overrides.
 */

let counter = 0;

/** Returns a new id with Slack's prefix, such as `F0001` or `Ev0001`. */
export function slackId(prefix: string): string {
  counter += 1;
  return `${prefix}${String(counter).padStart(6, '0')}`;
}

/** Returns a new message timestamp (`ts`), increasing within the process. */
export function messageTs(): string {
  counter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(counter).padStart(6, '0')}`;
}

export const TEAM_ID = 'T000TEAM';
export const APP_ID = 'A000APP';

export interface SlackFilePayload {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
  mode?: string;
}

/** Builds a file object whose private URLs point at `baseUrl/files-pri/...`. */
export function filePayload(baseUrl: string, overrides: Partial<SlackFilePayload> = {}): SlackFilePayload {
  const id = overrides.id ?? slackId('F');
  const name = overrides.name ?? 'item.png';
  const url = `${baseUrl}/files-pri/${TEAM_ID}-${id}/${name}`;
  return { id, name, title: name, mimetype: 'image/png', filetype: 'png', size: 1000, url_private: url, url_private_download: `${url}?download=1`, mode: 'hosted', ...overrides };
}

/** Builds an `event_callback` envelope around one event. */
export function eventCallback(event: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    event,
    type: 'event_callback',
    event_id: slackId('Ev'),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: TEAM_ID, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    ...overrides,
  };
}

/** Builds a `message` event of subtype `file_share` in a direct message. */
export function directFileShareEvent(args: { channel: string; user: string; files: SlackFilePayload[]; ts?: string; overrides?: Record<string, unknown> }) {
  const ts = args.ts ?? messageTs();
  return {
    type: 'message',
    subtype: 'file_share',
    channel: args.channel,
    channel_type: 'im',
    user: args.user,
    text: '',
    ts,
    event_ts: ts,
    files: args.files,
    upload: false,
    display_as_bot: false,
    ...args.overrides,
  };
}

/** Builds an `app_mention` event in a channel, with files when given. */
export function appMentionEvent(args: { channel: string; user: string; botUserId: string; files?: SlackFilePayload[]; ts?: string; overrides?: Record<string, unknown> }) {
  const ts = args.ts ?? messageTs();
  return {
    type: 'app_mention',
    channel: args.channel,
    user: args.user,
    text: `<@${args.botUserId}> what is this?`,
    ts,
    event_ts: ts,
    ...(args.files ? { files: args.files } : {}),
    ...args.overrides,
  };
}

/** Builds a `reaction_added` or `reaction_removed` event on a message. */
export function reactionEvent(args: { type: 'reaction_added' | 'reaction_removed'; user: string; reaction: string; channel: string; ts: string; itemUser?: string }) {
  return {
    type: args.type,
    user: args.user,
    reaction: args.reaction,
    item: { type: 'message', channel: args.channel, ts: args.ts },
    item_user: args.itemUser ?? 'U0BOT',
    event_ts: messageTs(),
  };
}

/** Builds the form body of a slash command request. */
export function slashCommandBody(args: { command: string; user: string; channel: string; text?: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    team_domain: 'snapclass-test',
    channel_id: args.channel,
    channel_name: 'general',
    user_id: args.user,
    user_name: 'ada',
    command: args.command,
    text: args.text ?? '',
    api_app_id: APP_ID,
    response_url: 'http://127.0.0.1:9/commands/response',
    trigger_id: slackId('trigger'),
  }).toString();
}

/**
 * Computes Slack's request signature headers for `body`: `v0=` and the hex HMAC-SHA256 of
 * `v0:<timestamp>:<body>` with the signing secret.
 */
export function signRequest(body: string, signingSecret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const digest = crypto.createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}
