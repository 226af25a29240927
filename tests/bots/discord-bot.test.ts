import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInviteUrl, registerDiscordCommands } from '../../bots/discord/commands.js';
import { createDiscordBot, type DiscordBot } from '../../bots/discord/discord-bot.js';
import { startBots } from '../../bots/start-bots.js';
import { createLogger, silentLogger } from '../../core/logger.js';
import { FakeDiscord, type RecordedCall } from '../helpers/fake-discord/fake-discord-server.js';
import {
  attachmentPayload,
  messagePayload,
  predictInteractionPayload,
  reactionAddPayload,
  reactionRemovePayload,
  slashCommandPayload,
  userPayload,
  type UserPayload,
} from '../helpers/fake-discord/payloads.js';
import { setUpBotTest, waitFor, type BotTestEnvironment, type SampleImage } from './bot-test-setup.js';

let env: BotTestEnvironment;
let fake: FakeDiscord;
let bot: DiscordBot;
const alice = userPayload({ username: 'alice' });
const bob = userPayload({ username: 'bob' });
const otherBot = userPayload({ username: 'helper-bot', bot: true });
const THUMBS_UP = '👍';
const THUMBS_DOWN = '👎';
const keycap = (digit: number) => `${digit}\uFE0F\u20E3`;
const logLines: string[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });

function discordConfig() {
  return { token: 'fake-discord-token', applicationId: fake.applicationId, guildId: fake.guildId, apiUrl: fake.apiUrl, fileOrigins: [fake.url] };
}

async function startBot(): Promise<DiscordBot> {
  const instance = createDiscordBot({ config: discordConfig(), services: env.services, logger });
  await instance.start();
  return instance;
}

/** Sends `/predict` with a sample image and returns the answer message id and prediction row. */
async function askPredict(sample: SampleImage, user: UserPayload = alice) {
  const attachment = attachmentPayload(fake.url, { filename: 'item.png', size: sample.png.length });
  fake.addFile(attachment.url, sample.png, 'image/png');
  const interaction = predictInteractionPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user, attachment });

  fake.dispatch('INTERACTION_CREATE', interaction);
  const [edit] = await fake.waitForCalls('PATCH', new RegExp(`^/webhooks/${fake.applicationId}/${interaction.token}/messages/@original$`));
  const answerId = edit!.responseBody.id as string;
  await fake.waitForCalls('PUT', new RegExp(`^/channels/${fake.channelId}/messages/${answerId}/reactions/${THUMBS_DOWN}/@me$`));
  const [answer] = env.rows('SELECT * FROM chat_answers WHERE request_key = ?', `interaction/${interaction.id}`);
  const [prediction] = env.rows('SELECT * FROM predictions WHERE id = ?', answer!.prediction_id);
  return { interaction, attachment, edit: edit!, answerId, prediction: prediction! };
}

function feedbackRows(predictionId: string) {
  return env.rows('SELECT verdict, label, source, user_hash FROM feedback WHERE prediction_id = ? ORDER BY user_hash', predictionId);
}

/** Dispatches a reaction change, then a marker reaction the bot ignores, and waits for the marker to be handled. */
async function react(kind: 'add' | 'remove', messageId: string, user: UserPayload, emoji: string): Promise<void> {
  const target = { guildId: fake.guildId, channelId: fake.channelId, messageId };
  if (kind === 'add') fake.dispatch('MESSAGE_REACTION_ADD', reactionAddPayload({ ...target, user, emoji }));
  else fake.dispatch('MESSAGE_REACTION_REMOVE', reactionRemovePayload({ ...target, userId: user.id, emoji }));
  // Gateway events are handled in order, so once a later slash command is answered the reaction was applied.
  const stats = slashCommandPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user, name: 'feedback-stats' });
  fake.dispatch('INTERACTION_CREATE', stats);
  await fake.waitForCalls('POST', new RegExp(`^/interactions/${stats.id}/`));
}

beforeAll(async () => {
  env = await setUpBotTest();
  fake = await FakeDiscord.start();
  bot = await startBot();
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await env?.close();
});

describe('Discord gateway session', () => {
  it('identifies with the non-privileged intents', () => {
    expect(fake.identifies).toHaveLength(1);
    expect(fake.identifies[0].token).toBe('fake-discord-token');
    // Guilds 1, GuildMessages 512, GuildMessageReactions 1024, DirectMessages 4096, DirectMessageReactions 8192.
    expect(fake.identifies[0].intents).toBe(1 + 512 + 1024 + 4096 + 8192);
  });
});

describe('Discord /predict', () => {
  it('answers with the true class', async () => {
    const sample = env.samples[0]!;
    const { interaction, edit, answerId, prediction } = await askPredict(sample);

    const [callback] = fake.callsMatching('POST', new RegExp(`^/interactions/${interaction.id}/${interaction.token}/callback$`));
    expect(callback!.body).toEqual({ type: 5, data: { flags: 0 } });
    expect(callback!.at).toBeLessThan(edit.at);
    expect(callback!.authorization).toBeUndefined();

    expect(prediction.label).toBe(sample.label);
    expect(prediction.class_index).toBe(sample.classIndex);
    expect(prediction.source).toBe('discord');
    expect(prediction.user_hash).toBe(env.hashUser(alice.id));
    const topK = JSON.parse(prediction.top_k) as { label: string; probability: number }[];
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    expect(edit.body.embeds).toEqual([
      {
        title: `${sample.label} (${percent(prediction.confidence)})`,
        color: 0x2b8a3e,
        description: 'Prediction for item.png',
        fields: [
          { name: 'Label', value: sample.label, inline: true },
          { name: 'Confidence', value: percent(prediction.confidence), inline: true },
          { name: 'Top 3', value: topK.map((entry) => `${entry.label}: ${percent(entry.probability)}`).join('\n') },
          { name: 'Model version', value: 'v1', inline: true },
          { name: 'Prediction id', value: prediction.id, inline: true },
        ],
        footer: {
          text: `React 👍 if this is right, 👎 if it is wrong, or with the digit of the right class: ${env.classNames.map((name, index) => `${keycap(index)} ${name}`).join(' · ')}`,
        },
      },
    ]);

    const seeded = fake.callsMatching('PUT', new RegExp(`^/channels/${fake.channelId}/messages/${answerId}/reactions/`));
    expect(seeded.map((call) => call.path.split('/')[6])).toEqual([THUMBS_UP, THUMBS_DOWN]);
    expect(seeded[0]!.authorization).toBe('Bot fake-discord-token');
    expect(env.rows('SELECT platform, channel_id, message_id, prediction_id FROM chat_answers WHERE request_key = ?', `interaction/${interaction.id}`)).toEqual([
      { platform: 'discord', channel_id: fake.channelId, message_id: answerId, prediction_id: prediction.id },
    ]);
  });

  it('answers a PDF without downloading it', async () => {
    const attachment = attachmentPayload(fake.url, { filename: 'notes.pdf', content_type: 'application/pdf', size: 2048 });
    const interaction = predictInteractionPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user: alice, attachment });
    const before = env.rows('SELECT COUNT(*) AS n FROM predictions')[0]!.n;

    fake.dispatch('INTERACTION_CREATE', interaction);
    const [edit] = await fake.waitForCalls('PATCH', new RegExp(`/webhooks/\\d+/${interaction.token}/`));

    expect(edit!.body.content).toBe('I can\'t classify “notes.pdf”: it is not an image I can read. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.');
    expect(edit!.body.embeds).toBeUndefined();
    expect(fake.callsMatching('GET', /notes\.pdf$/)).toHaveLength(0);
    expect(env.rows('SELECT COUNT(*) AS n FROM predictions')[0]!.n).toBe(before);
    expect(fake.callsMatching('PUT', new RegExp(`/messages/${edit!.responseBody.id}/reactions/`))).toHaveLength(0);
  });

  it('answers text named as PNG', async () => {
    const text = new TextEncoder().encode('this is a shopping list, not a picture\n');
    const attachment = attachmentPayload(fake.url, { filename: 'list.png', content_type: 'image/png', size: text.length });
    fake.addFile(attachment.url, text, 'image/png');
    const interaction = predictInteractionPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user: alice, attachment });

    fake.dispatch('INTERACTION_CREATE', interaction);
    const [edit] = await fake.waitForCalls('PATCH', new RegExp(`/webhooks/\\d+/${interaction.token}/`));

    expect(fake.callsMatching('GET', /list\.png$/)).toHaveLength(1);
    expect(edit!.body.content).toBe('I can\'t classify “list.png”: it is not an image I can read. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.');
  });

  it('answers an oversized file without downloading it', async () => {
    const attachment = attachmentPayload(fake.url, { filename: 'huge.png', size: 11 * 1024 * 1024 });
    const interaction = predictInteractionPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user: alice, attachment });

    fake.dispatch('INTERACTION_CREATE', interaction);
    const [edit] = await fake.waitForCalls('PATCH', new RegExp(`/webhooks/\\d+/${interaction.token}/`));

    expect(edit!.body.content).toBe('“huge.png” is larger than 10 MB, so I did not read it. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.');
    expect(fake.callsMatching('GET', /huge\.png$/)).toHaveLength(0);
  });

  it('answers a truncated PNG', async () => {
    const broken = env.samples[0]!.png.subarray(0, 60);
    const attachment = attachmentPayload(fake.url, { filename: 'cut.png', size: broken.length });
    fake.addFile(attachment.url, broken, 'image/png');
    const interaction = predictInteractionPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user: alice, attachment });

    fake.dispatch('INTERACTION_CREATE', interaction);
    const [edit] = await fake.waitForCalls('PATCH', new RegExp(`/webhooks/\\d+/${interaction.token}/`));

    expect(edit!.body.content).toBe(
      '“cut.png” looks like an image, but it cannot be decoded: it may be cut off or corrupt. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.',
    );
  });

  it('leads with the out-of-domain notice', async () => {
    const previous = env.services.minConfidence;
    env.services.minConfidence = 1.01;
    try {
      const { edit, prediction } = await askPredict(env.samples[0]!);
      const embed = edit.body.embeds[0];
      expect(embed.title).toBe(`This does not look like a clothing item I know (best guess: ${prediction.label}, ${(prediction.confidence * 100).toFixed(1)}%)`);
      expect(embed.color).toBe(0xf0b232);
    } finally {
      env.services.minConfidence = previous;
    }
  });

  it('rejects attachments off the file hosts', async () => {
    const attachment = attachmentPayload('http://localhost:9', { filename: 'far.png' });
    const interaction = predictInteractionPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user: alice, attachment });

    fake.dispatch('INTERACTION_CREATE', interaction);
    const [edit] = await fake.waitForCalls('PATCH', new RegExp(`/webhooks/\\d+/${interaction.token}/`));

    expect(edit!.body.content).toBe('I could not download “far.png”. Try uploading it again. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.');
  });
});

describe('Discord mentions', () => {
  it('answers each of two images', async () => {
    const [first, second] = [env.samples[1]!, env.samples[2]!];
    const attachments = [
      attachmentPayload(fake.url, { filename: 'first.png', size: first.png.length }),
      attachmentPayload(fake.url, { filename: 'second.png', size: second.png.length }),
    ];
    fake.addFile(attachments[0]!.url, first.png, 'image/png');
    fake.addFile(attachments[1]!.url, second.png, 'image/png');
    const message = messagePayload({
      channel_id: fake.channelId,
      guild_id: fake.guildId,
      author: bob,
      member: { roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false },
      content: `<@${fake.bot.id}> what are these?`,
      mentions: [fake.bot],
      attachments,
    });

    fake.dispatch('MESSAGE_CREATE', message);
    const replies = await fake.waitForCalls('POST', new RegExp(`^/channels/${fake.channelId}/messages$`), 2);
    const answers = replies.filter((call) => call.body.message_reference?.message_id === message.id);
    expect(answers).toHaveLength(2);
    await fake.waitForCalls('PUT', new RegExp(`/messages/${answers[1]!.responseBody.id}/reactions/${THUMBS_DOWN}/@me$`));

    expect(answers.map((call) => call.body.embeds[0].fields[0].value)).toEqual([first.label, second.label]);
    expect(answers.map((call) => call.body.embeds[0].description)).toEqual(['Prediction for first.png', 'Prediction for second.png']);
    expect(answers[0]!.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const rows = env.rows(
      'SELECT a.request_key, a.message_id, p.label, p.source, p.user_hash FROM chat_answers a JOIN predictions p ON p.id = a.prediction_id WHERE a.request_key LIKE ? ORDER BY p.created_at',
      `message/${message.id}/%`,
    );
    expect(rows).toEqual([
      { request_key: `message/${message.id}/${attachments[0]!.id}`, message_id: answers[0]!.responseBody.id, label: first.label, source: 'discord', user_hash: env.hashUser(bob.id) },
      { request_key: `message/${message.id}/${attachments[1]!.id}`, message_id: answers[1]!.responseBody.id, label: second.label, source: 'discord', user_hash: env.hashUser(bob.id) },
    ]);
  });

  it('answers a direct message image', async () => {
    const sample = env.samples[0]!;
    const dmChannelId = '1234567890000000001';
    const attachment = attachmentPayload(fake.url, { filename: 'dm.png', size: sample.png.length });
    fake.addFile(attachment.url, sample.png, 'image/png');
    // Discord marks direct messages with channel_type 1 (DM); discord.js needs it for an uncached channel.
    const message = messagePayload({ channel_id: dmChannelId, channel_type: 1, author: bob, content: '', attachments: [attachment] });

    fake.dispatch('MESSAGE_CREATE', message);
    const [reply] = await fake.waitForCalls('POST', new RegExp(`^/channels/${dmChannelId}/messages$`));
    const answerId = reply!.responseBody.id as string;
    await fake.waitForCalls('PUT', new RegExp(`^/channels/${dmChannelId}/messages/${answerId}/reactions/${THUMBS_DOWN}/@me$`));
    expect(reply!.body.embeds[0].fields[0].value).toBe(sample.label);

    // A reaction in a DM carries no member, so for a user not in the cache the bot fetches the
    // user to check the bot flag.
    const carol = userPayload({ username: 'carol' });
    fake.users.set(carol.id, carol);
    fake.dispatch('MESSAGE_REACTION_ADD', reactionAddPayload({ guildId: '', channelId: dmChannelId, messageId: answerId, user: carol, emoji: THUMBS_UP, overrides: { guild_id: undefined, member: undefined } }));
    const [prediction] = env.rows('SELECT prediction_id FROM chat_answers WHERE message_id = ?', answerId);
    const rows = await waitFor(() => {
      const found = feedbackRows(prediction!.prediction_id);
      return found.length > 0 ? found : undefined;
    }, 'the DM reaction to be recorded');
    expect(rows).toEqual([{ verdict: 'correct', label: sample.label, source: 'discord', user_hash: env.hashUser(carol.id) }]);
    expect(fake.callsMatching('GET', new RegExp(`^/users/${carol.id}$`))).toHaveLength(1);
  });

  it('ignores messages without a mention', async () => {
    const sample = env.samples[0]!;
    const attachment = attachmentPayload(fake.url, { filename: 'quiet.png', size: sample.png.length });
    fake.addFile(attachment.url, sample.png, 'image/png');
    fake.dispatch('MESSAGE_CREATE', messagePayload({ channel_id: fake.channelId, guild_id: fake.guildId, author: bob, content: 'no mention', attachments: [attachment] }));
    await react('add', '1', bob, '❤️');

    expect(fake.callsMatching('GET', /quiet\.png$/)).toHaveLength(0);
  });
});

describe('Discord reactions', () => {
  let answerId: string;
  let prediction: Record<string, any>;

  beforeAll(async () => {
    ({ answerId, prediction } = await askPredict(env.samples[0]!));
  });

  it('records and withdraws thumbs up', async () => {
    await react('add', answerId, bob, THUMBS_UP);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'correct', label: prediction.label, source: 'discord', user_hash: env.hashUser(bob.id) }]);

    await react('remove', answerId, bob, THUMBS_UP);
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('records and withdraws thumbs down', async () => {
    await react('add', answerId, bob, THUMBS_DOWN);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'incorrect', label: null, source: 'discord', user_hash: env.hashUser(bob.id) }]);

    await react('remove', answerId, bob, THUMBS_DOWN);
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('records and withdraws a class digit', async () => {
    const other = (prediction.class_index + 1) % 10;
    await react('add', answerId, bob, keycap(other));
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'incorrect', label: env.classNames[other], source: 'discord', user_hash: env.hashUser(bob.id) }]);

    await react('remove', answerId, bob, keycap(other));
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('treats the predicted digit as correct', async () => {
    await react('add', answerId, bob, keycap(prediction.class_index));
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'correct', label: prediction.label, source: 'discord', user_hash: env.hashUser(bob.id) }]);

    await react('remove', answerId, bob, keycap(prediction.class_index));
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('keeps a digit when thumbs down goes', async () => {
    const other = (prediction.class_index + 2) % 10;
    await react('add', answerId, bob, THUMBS_DOWN);
    await react('add', answerId, bob, keycap(other));
    await react('remove', answerId, bob, THUMBS_DOWN);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'incorrect', label: env.classNames[other], source: 'discord', user_hash: env.hashUser(bob.id) }]);

    await react('remove', answerId, bob, keycap(other));
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('ignores bots, itself and other messages', async () => {
    await react('add', answerId, otherBot, THUMBS_UP);
    await react('add', answerId, fake.bot, THUMBS_DOWN);
    await react('add', '1234567890123456789', bob, THUMBS_UP);
    await react('add', answerId, bob, '❤️');

    expect(feedbackRows(prediction.id)).toEqual([]);
    expect(env.rows('SELECT COUNT(*) AS n FROM feedback WHERE user_hash IN (?, ?)', env.hashUser(otherBot.id), env.hashUser(fake.bot.id))[0]!.n).toBe(0);
  });

  it('shows feedback stats for the model', async () => {
    await react('add', answerId, alice, THUMBS_UP);
    const stats = slashCommandPayload({ applicationId: fake.applicationId, guildId: fake.guildId, channelId: fake.channelId, user: alice, name: 'feedback-stats' });
    fake.dispatch('INTERACTION_CREATE', stats);
    const [reply] = await fake.waitForCalls('POST', new RegExp(`^/interactions/${stats.id}/`));

    const predictions = env.rows("SELECT COUNT(*) AS n FROM predictions WHERE model_version = 'v1'")[0]!.n;
    const { total, correct } = env.rows("SELECT COUNT(*) AS total, SUM(verdict = 'correct') AS correct FROM feedback")[0]!;
    expect(total).toBeGreaterThan(0);
    expect(reply!.body).toEqual({
      type: 4,
      data: expect.objectContaining({
        content:
          `Model v1: ${predictions} predictions, ${total} with feedback (${correct} correct, ${total - correct} incorrect); ` +
          `accuracy from feedback: ${((correct / total) * 100).toFixed(1)}% of ${total} rated predictions were right.`,
      }),
    });
  });
});

describe('Discord restarts and rate limits', () => {
  it('counts reactions after a restart', async () => {
    const { answerId, prediction } = await askPredict(env.samples[1]!);
    await bot.stop();
    bot = await startBot();
    expect(fake.identifies).toHaveLength(2);

    await react('add', answerId, bob, THUMBS_DOWN);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'incorrect', label: null, source: 'discord', user_hash: env.hashUser(bob.id) }]);
  });

  it('resumes after a dropped gateway', async () => {
    const { answerId, prediction } = await askPredict(env.samples[2]!);
    fake.dropGateway(4000);
    await waitFor(() => (fake.resumes.length > 0 && fake.connections === 1 ? true : undefined), 'the client to resume');

    await react('add', answerId, bob, THUMBS_UP);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'correct', label: prediction.label, source: 'discord', user_hash: env.hashUser(bob.id) }]);
  });

  it('retries a 5xx from Discord', async () => {
    const sample = env.samples[1]!;
    const attachment = attachmentPayload(fake.url, { filename: 'outage.png', size: sample.png.length });
    fake.addFile(attachment.url, sample.png, 'image/png');
    const message = messagePayload({ channel_id: fake.channelId, guild_id: fake.guildId, author: bob, content: `<@${fake.bot.id}>`, mentions: [fake.bot], attachments: [attachment] });
    const isAnswer = (call: RecordedCall) => call.method === 'POST' && call.body?.message_reference?.message_id === message.id;
    fake.respondOnce(isAnswer, { status: 502, body: { message: 'Bad Gateway' } });
    fake.respondOnce(isAnswer, { status: 503, body: { message: 'Service Unavailable' } });

    fake.dispatch('MESSAGE_CREATE', message);
    await waitFor(() => (fake.calls.filter(isAnswer).some((call) => call.status === 200) ? true : undefined), 'the answer after the outage');

    expect(fake.calls.filter(isAnswer).map((call) => call.status)).toEqual([502, 503, 200]);
  });

  it('waits out a 429 before answering', async () => {
    const sample = env.samples[0]!;
    const attachment = attachmentPayload(fake.url, { filename: 'limited.png', size: sample.png.length });
    fake.addFile(attachment.url, sample.png, 'image/png');
    const message = messagePayload({ channel_id: fake.channelId, guild_id: fake.guildId, author: bob, content: `<@${fake.bot.id}>`, mentions: [fake.bot], attachments: [attachment] });
    const isAnswer = (call: RecordedCall) => call.method === 'POST' && call.body?.message_reference?.message_id === message.id;
    fake.respondOnce(isAnswer, {
      status: 429,
      headers: { 'retry-after': '1', 'x-ratelimit-scope': 'user' },
      body: { message: 'You are being rate limited.', retry_after: 1, global: false },
    });

    fake.dispatch('MESSAGE_CREATE', message);
    await waitFor(() => (fake.calls.filter(isAnswer).length === 2 ? true : undefined), 'the retried answer');

    const attempts = fake.calls.filter(isAnswer);
    await fake.waitForCalls('PUT', new RegExp(`/messages/${attempts[1]!.responseBody.id}/reactions/${THUMBS_DOWN}/@me$`));
    expect(attempts.map((call) => call.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(attempts[1]!.body).toEqual(attempts[0]!.body);
    expect(env.rows('SELECT message_id FROM chat_answers WHERE request_key = ?', `message/${message.id}/${attachment.id}`)).toEqual([
      { message_id: attempts[1]!.responseBody.id },
    ]);
  });
});

describe('Discord command registration', () => {
  it('registers both commands in the guild', async () => {
    expect(await registerDiscordCommands(discordConfig(), silentLogger)).toBe('guild');
    const [call] = fake.callsMatching('PUT', new RegExp(`^/applications/${fake.applicationId}/guilds/${fake.guildId}/commands$`));
    expect(call!.body.map((command: { name: string }) => command.name)).toEqual(['predict', 'feedback-stats']);
    expect(call!.body[0].options).toEqual([
      expect.objectContaining({ name: 'image', type: 11, required: true }),
    ]);
  });

  it('registers globally without a guild', async () => {
    expect(await registerDiscordCommands({ ...discordConfig(), guildId: null }, silentLogger)).toBe('global');
    expect(fake.callsMatching('PUT', new RegExp(`^/applications/${fake.applicationId}/commands$`))).toHaveLength(1);
  });

  it('builds the invite link', () => {
    // View Channel 1024, Send Messages 2048, Send Messages in Threads 2^38, Embed Links 16384,
    // Add Reactions 64, Read Message History 65536.
    const permissions = 1024 + 2048 + 2 ** 38 + 16384 + 64 + 65536;
    expect(buildInviteUrl('123456789012345678')).toBe(
      `https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot+applications.commands&permissions=${permissions}`,
    );
  });
});

describe('Discord start failures', () => {
  it('rejects a refused token', async () => {
    fake.respondOnce((call) => call.path === '/gateway/bot', { status: 401, body: { message: '401: Unauthorized', code: 0 } });
    const refused = createDiscordBot({ config: discordConfig(), services: env.services, logger: silentLogger });

    await expect(refused.start()).rejects.toMatchObject({ code: 'TokenInvalid' });
    await refused.stop();
  });

  it('times out a silent gateway', async () => {
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => silent.once('listening', resolve));
    const silentUrl = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    fake.respondOnce((call) => call.path === '/gateway/bot', {
      status: 200,
      body: { url: silentUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } },
    });
    const stuck = createDiscordBot({ config: discordConfig(), services: env.services, logger: silentLogger, startTimeoutMs: 300, stopTimeoutMs: 300 });

    await expect(stuck.start()).rejects.toMatchObject({ code: 'discord_start_timeout' });
    const stopStarted = performance.now();
    await stuck.stop();
    expect(performance.now() - stopStarted).toBeLessThan(2000);

    for (const client of silent.clients) client.terminate();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('keeps running when a bot fails', async () => {
    fake.respondOnce((call) => call.path === '/gateway/bot', { status: 401, body: { message: '401: Unauthorized', code: 0 } });
    const lines: string[] = [];
    const capture = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });

    const running = await startBots({
      config: { ...env.botConfig, discord: discordConfig(), slack: null, disabled: [{ bot: 'slack', variable: 'SLACK_BOT_TOKEN' }] },
      services: env.services,
      logger: capture,
    });

    expect(running.discord).toBeNull();
    expect(running.slack).toBeNull();
    const messages = lines.map((line) => JSON.parse(line).msg);
    expect(messages).toContain('slack bot disabled: set SLACK_BOT_TOKEN to enable it');
    expect(messages).toContain('Discord bot failed to start: check DISCORD_TOKEN and DISCORD_API_URL');
    await running.stop();
  });
});

describe('Discord logs', () => {
  it('never contain the tokens', () => {
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(20);
    expect(text).not.toContain('fake-discord-token');
    expect(text).not.toContain('interaction-token-');
    expect(text).toContain('"msg":"Discord rate limit hit: waiting before retrying"');
  });
});
