/**
 * Factories for Discord API v10 payloads as the gateway and REST API send them, with the fields
 * discord.js reads. Each takes overrides, so a test states only what it is about.
 */

const DISCORD_EPOCH = 1_420_070_400_000n;
let sequence = 0n;

/** Returns a new snowflake id, increasing within the process. */
export function snowflake(): string {
  sequence += 1n;
  return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) + (sequence % 4096n));
}

export interface UserPayload {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
}

export function userPayload(overrides: Partial<UserPayload> = {}): UserPayload {
  return { id: snowflake(), username: 'ada', discriminator: '0', global_name: null, avatar: null, bot: false, ...overrides };
}

export function memberPayload(user: UserPayload, overrides: Record<string, unknown> = {}) {
  return { user, roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0, permissions: '0', ...overrides };
}

export interface AttachmentPayload {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number;
  height?: number;
}

/** Builds an attachment whose `url` points at `baseUrl/attachments/<id>/<filename>`. */
export function attachmentPayload(baseUrl: string, overrides: Partial<AttachmentPayload> = {}): AttachmentPayload {
  const id = overrides.id ?? snowflake();
  const filename = overrides.filename ?? 'item.png';
  const url = `${baseUrl}/attachments/${id}/${filename}`;
  return { id, filename, size: 1000, url, proxy_url: url, content_type: 'image/png', width: 28, height: 28, ...overrides };
}

/** Builds a MESSAGE_CREATE payload, which is also the REST message object. */
export function messagePayload(overrides: Record<string, unknown> & { channel_id: string; author: UserPayload }) {
  return {
    id: snowflake(),
    type: 0,
    content: '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    flags: 0,
    components: [],
    ...overrides,
  };
}

/** Builds an INTERACTION_CREATE payload for `/predict image:<attachment>` in a guild channel. */
export function predictInteractionPayload(args: {
  applicationId: string;
  guildId: string;
  channelId: string;
  user: UserPayload;
  attachment: AttachmentPayload;
  overrides?: Record<string, unknown>;
}) {
  return slashCommandPayload({
    ...args,
    name: 'predict',
    options: [{ name: 'image', type: 11, value: args.attachment.id }],
    resolved: { attachments: { [args.attachment.id]: args.attachment } },
  });
}

/** Builds an INTERACTION_CREATE payload for a slash command with the given options. */
export function slashCommandPayload(args: {
  applicationId: string;
  guildId: string;
  channelId: string;
  user: UserPayload;
  name: string;
  options?: unknown[];
  resolved?: unknown;
  overrides?: Record<string, unknown>;
}) {
  return {
    id: snowflake(),
    application_id: args.applicationId,
    type: 2,
    data: { id: snowflake(), name: args.name, type: 1, options: args.options ?? [], ...(args.resolved ? { resolved: args.resolved } : {}) },
    guild_id: args.guildId,
    channel_id: args.channelId,
    channel: { id: args.channelId, type: 0, guild_id: args.guildId, name: 'general' },
    member: memberPayload(args.user),
    token: `interaction-token-${snowflake()}`,
    version: 1,
    app_permissions: '0',
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': args.guildId },
    context: 0,
    ...args.overrides,
  };
}

/** Builds a MESSAGE_REACTION_ADD payload in a guild; the member carries the user's bot flag. */
export function reactionAddPayload(args: { guildId: string; channelId: string; messageId: string; user: UserPayload; emoji: string; overrides?: Record<string, unknown> }) {
  return {
    user_id: args.user.id,
    channel_id: args.channelId,
    message_id: args.messageId,
    guild_id: args.guildId,
    emoji: { id: null, name: args.emoji },
    member: memberPayload(args.user),
    burst: false,
    burst_colors: [],
    type: 0,
    ...args.overrides,
  };
}

/** Builds a MESSAGE_REACTION_REMOVE payload in a guild. */
export function reactionRemovePayload(args: { guildId: string; channelId: string; messageId: string; userId: string; emoji: string }) {
  return {
    user_id: args.userId,
    channel_id: args.channelId,
    message_id: args.messageId,
    guild_id: args.guildId,
    emoji: { id: null, name: args.emoji },
    burst: false,
    type: 0,
  };
}

/** Builds a GUILD_CREATE payload with one text channel. */
export function guildCreatePayload(args: { guildId: string; channelId: string; ownerId: string }) {
  return {
    id: args.guildId,
    name: 'snapclass test guild',
    icon: null,
    owner_id: args.ownerId,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [{ id: args.guildId, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_flags: 0,
    premium_tier: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    joined_at: '2024-01-01T00:00:00.000Z',
    large: false,
    unavailable: false,
    member_count: 2,
    members: [],
    channels: [{ id: args.channelId, type: 0, guild_id: args.guildId, name: 'general', position: 0, permission_overwrites: [], nsfw: false, topic: null }],
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
