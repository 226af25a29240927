import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBot } from '../../bots/slack/slack-bot.js';
import { DeferredSlackRouter } from '../../bots/start-bots.js';
import { createLogger } from '../../core/logger.js';
import { FakeSlack } from '../helpers/fake-slack/fake-slack-server.js';
import {
  appMentionEvent,
  directFileShareEvent,
  eventCallback,
  filePayload,
  messageTs,
  reactionEvent,
  signRequest,
  slashCommandBody,
} from '../helpers/fake-slack/payloads.js';
import { setUpBotTest, waitFor, type BotTestEnvironment, type SampleImage } from './bot-test-setup.js';

const BOT_TOKEN = 'xoxb-0000-1111-faketoken';
const APP_TOKEN = 'xapp-1-A000APP-2222-fakeapptoken';
const SIGNING_SECRET = 'fake-signing-secret-8f2d1c';
const DM_CHANNEL = 'D000ALICE';
const CHANNEL = 'C000GENERAL';
const ALICE = 'U000ALICE';
const BOB = 'U000BOB';

let env: BotTestEnvironment;
let fake: FakeSlack;
let bot: SlackBot;
const router = new DeferredSlackRouter();
const logLines: string[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });

function startBot(): Promise<SlackBot> {
  const instance = createSlackBot({
    config: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, appToken: null, apiUrl: fake.apiUrl, fileOrigins: [fake.url] },
    services: env.services,
    logger,
  });
  router.attach(instance.router);
  return instance.start().then(() => instance);
}

/** POSTs a signed request to /slack/events and returns the status and how long the ack took. */
async function post(body: string, contentType: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(`${env.service.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...signRequest(body, SIGNING_SECRET), ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, elapsedMs: performance.now() - started, at: performance.now() };
}

function postEvent(envelope: object, headers: Record<string, string> = {}) {
  return post(JSON.stringify(envelope), 'application/json', headers);
}

function countLogs(message: string): number {
  return logLines.filter((line) => JSON.parse(line).msg === message).length;
}

/** Posts a reaction event and waits until the bot has handled it. */
async function react(type: 'reaction_added' | 'reaction_removed', user: string, reaction: string, ts: string, channel = DM_CHANNEL): Promise<void> {
  const before = countLogs('reaction handled');
  const { status } = await postEvent(eventCallback(reactionEvent({ type, user, reaction, channel, ts })));
  expect(status).toBe(200);
  await waitFor(() => (countLogs('reaction handled') > before ? true : undefined), `${type} ${reaction} to be handled`);
}

function feedbackRows(predictionId: string) {
  return env.rows('SELECT verdict, label, source, user_hash FROM feedback WHERE prediction_id = ?', predictionId);
}

/** Sends a sample image in a DM and returns the answer's ts and the prediction row. */
async function askInDm(sample: SampleImage, name = 'item.png') {
  const file = filePayload(fake.url, { name, size: sample.png.length });
  fake.addFile(file.url_private, sample.png, 'image/png');
  const event = directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] });
  const before = fake.callsOf('chat.postMessage').length;

  const ack = await postEvent(eventCallback(event));
  const posts = await fake.waitForCalls('chat.postMessage', before + 1);
  const answer = posts[before]!;
  await waitFor(() => (fake.callsOf('reactions.add').some((call) => call.args.timestamp === answer.response.ts && call.args.name === '-1') ? true : undefined), 'seeded reactions');
  const [prediction] = env.rows('SELECT p.* FROM chat_answers a JOIN predictions p ON p.id = a.prediction_id WHERE a.request_key = ?', `${DM_CHANNEL}/${event.ts}/${file.id}`);
  return { ack, event, file, answer, answerTs: answer.response.ts as string, prediction: prediction! };
}

beforeAll(async () => {
  env = await setUpBotTest({ routers: [router.router] });
  fake = await FakeSlack.start(BOT_TOKEN, APP_TOKEN);
  bot = await startBot();
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await env?.close();
});

describe('Slack images', () => {
  it('answers a DM image in thread', async () => {
    const sample = env.samples[0]!;
    const { ack, event, answer, answerTs, prediction } = await askInDm(sample);

    expect(ack.status).toBe(200);
    expect(fake.callsOf('auth.test')).toHaveLength(1);
    const [download] = fake.callsOf('GET /files-pri/').slice(-1);
    expect(download!.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(download!.method).toMatch(/^GET \/files-pri\/T000TEAM-F\d+\/item\.png$/);

    expect(prediction.label).toBe(sample.label);
    expect(prediction.source).toBe('slack');
    expect(prediction.user_hash).toBe(env.hashUser(ALICE));
    const topK = JSON.parse(prediction.top_k) as { label: string; probability: number }[];
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    const title = `${sample.label} (${percent(prediction.confidence)})`;
    expect(answer.args.channel).toBe(DM_CHANNEL);
    expect(answer.args.thread_ts).toBe(event.ts);
    expect(answer.args.text).toBe(`${title} for item.png`);
    expect(answer.args.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: `*${title}*\nPrediction for item.png` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Label*\n${sample.label}` },
          { type: 'mrkdwn', text: `*Confidence*\n${percent(prediction.confidence)}` },
          { type: 'mrkdwn', text: `*Top 3*\n${topK.map((entry) => `${entry.label}: ${percent(entry.probability)}`).join('\n')}` },
          { type: 'mrkdwn', text: '*Model version*\nv1' },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Prediction id ${prediction.id}` }] },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `React :+1: if this is right, :-1: if it is wrong, or with the digit of the right class: ${env.classNames
              .map((name, index) => `:${['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'][index]}: ${name}`)
              .join(' · ')}`,
          },
        ],
      },
    ]);
    expect(fake.callsOf('reactions.add').filter((call) => call.args.timestamp === answerTs).map((call) => [call.args.channel, call.args.name])).toEqual([
      [DM_CHANNEL, '+1'],
      [DM_CHANNEL, '-1'],
    ]);
    expect(env.rows('SELECT platform, channel_id, message_id FROM chat_answers WHERE prediction_id = ?', prediction.id)).toEqual([
      { platform: 'slack', channel_id: DM_CHANNEL, message_id: answerTs },
    ]);
  });

  it('answers a mention with two images', async () => {
    const [first, second] = [env.samples[1]!, env.samples[2]!];
    const files = [filePayload(fake.url, { name: 'first.png' }), filePayload(fake.url, { name: 'second.png' })];
    fake.addFile(files[0]!.url_private, first.png, 'image/png');
    fake.addFile(files[1]!.url_private, second.png, 'image/png');
    const before = fake.callsOf('chat.postMessage').length;
    const event = appMentionEvent({ channel: CHANNEL, user: BOB, botUserId: fake.botUserId, files });

    await postEvent(eventCallback(event));
    const answers = (await fake.waitForCalls('chat.postMessage', before + 2)).slice(before);

    expect(answers.map((call) => [call.args.channel, call.args.thread_ts])).toEqual([
      [CHANNEL, event.ts],
      [CHANNEL, event.ts],
    ]);
    expect(answers.map((call) => call.args.blocks[1].fields[0].text)).toEqual([`*Label*\n${first.label}`, `*Label*\n${second.label}`]);
    await waitFor(() => (env.rows('SELECT * FROM chat_answers WHERE message_id = ?', answers[1]!.response.ts).length === 1 ? true : undefined), 'the second answer row');
    expect(env.rows('SELECT a.request_key, p.label, p.user_hash FROM chat_answers a JOIN predictions p ON p.id = a.prediction_id WHERE a.request_key LIKE ? ORDER BY a.created_at', `${CHANNEL}/${event.ts}/%`)).toEqual([
      { request_key: `${CHANNEL}/${event.ts}/${files[0]!.id}`, label: first.label, user_hash: env.hashUser(BOB) },
      { request_key: `${CHANNEL}/${event.ts}/${files[1]!.id}`, label: second.label, user_hash: env.hashUser(BOB) },
    ]);
  });

  it('answers every accepted image format', async () => {
    const sample = env.samples[0]!;
    const formats = ['png', 'jpeg', 'webp', 'gif', 'tiff'] as const;
    const files = [];
    for (const format of formats) {
      const bytes = new Uint8Array(await sharp(sample.png).toFormat(format).toBuffer());
      const file = filePayload(fake.url, { name: `item.${format}`, mimetype: `image/${format}`, size: bytes.length });
      fake.addFile(file.url_private, bytes, `image/${format}`);
      files.push(file);
    }
    const before = fake.callsOf('chat.postMessage').length;

    await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files })));
    const answers = (await fake.waitForCalls('chat.postMessage', before + formats.length)).slice(before);

    expect(answers.map((call) => call.args.blocks?.[0].text.text.split('\n')[1])).toEqual(formats.map((format) => `Prediction for item.${format}`));
  });

  it('looks up files sent without details', async () => {
    const sample = env.samples[1]!;
    const file = filePayload(fake.url, { name: 'lookup.png', size: sample.png.length });
    fake.addFile(file.url_private, sample.png, 'image/png');
    fake.fileInfos.set(file.id, { ...file });
    const before = fake.callsOf('chat.postMessage').length;

    await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [{ id: file.id, file_access: 'check_file_info' } as never] })));
    const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

    expect(fake.callsOf('files.info').map((call) => call.args.file)).toEqual([file.id]);
    expect(answer!.args.text).toMatch(/ for lookup\.png$/);
    expect(answer!.args.blocks[1].fields[0].text).toBe(`*Label*\n${sample.label}`);
  });

  it('answers a PDF without downloading it', async () => {
    const file = filePayload(fake.url, { name: 'report.pdf', mimetype: 'application/pdf', filetype: 'pdf', size: 40_000 });
    const before = fake.callsOf('chat.postMessage').length;
    const predictions = env.rows('SELECT COUNT(*) AS n FROM predictions')[0]!.n;

    await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] })));
    const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

    expect(answer!.args.text).toBe('I can\'t classify “report.pdf”: it is not an image I can read. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.');
    expect(answer!.args.blocks).toBeUndefined();
    expect(fake.callsOf('GET /files-pri/').filter((call) => call.method.includes('report.pdf'))).toHaveLength(0);
    expect(env.rows('SELECT COUNT(*) AS n FROM predictions')[0]!.n).toBe(predictions);
  });

  it('names files:read for an HTML page', async () => {
    const file = filePayload(fake.url, { name: 'photo.png' });
    fake.respondOnce((call) => call.method.startsWith('GET ') && call.method.includes(file.id), {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body>Sign in to your workspace</body></html>',
    });
    const before = fake.callsOf('chat.postMessage').length;

    await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] })));
    const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

    expect(answer!.args.text).toBe(
      'I can\'t download “photo.png”: Slack answered with a login page instead of the file, which means this app is missing the `files:read` scope. ' +
        'Ask a workspace admin to add `files:read` under OAuth & Permissions and reinstall the app.',
    );
  });

  it('names files:read for a 401', async () => {
    const file = filePayload(fake.url, { name: 'locked.png' });
    fake.respondOnce((call) => call.method.startsWith('GET ') && call.method.includes(file.id), { status: 401, body: 'not_authed' });
    const before = fake.callsOf('chat.postMessage').length;

    await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] })));
    const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

    expect(answer!.args.text).toContain('missing the `files:read` scope');
  });

  it('explains itself without files', async () => {
    const before = fake.callsOf('chat.postMessage').length;
    const event = appMentionEvent({ channel: CHANNEL, user: BOB, botUserId: fake.botUserId });

    await postEvent(eventCallback(event));
    const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

    expect(answer!.args).toMatchObject({
      channel: CHANNEL,
      thread_ts: event.ts,
      text: 'Send me a PNG, JPEG, WebP, GIF or TIFF image in a direct message, or mention me in a message with images attached, and I will answer in the thread.',
    });
  });
});

describe('Slack delivery', () => {
  it('answers a redelivered event once', async () => {
    const sample = env.samples[1]!;
    const file = filePayload(fake.url, { name: 'twice.png' });
    fake.addFile(file.url_private, sample.png, 'image/png');
    const envelope = eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] }));
    const before = fake.callsOf('chat.postMessage').length;
    const predictions = env.rows('SELECT COUNT(*) AS n FROM predictions')[0]!.n;
    const skipped = countLogs('Slack event already handled: skipped');

    const [first, second] = await Promise.all([
      postEvent(envelope),
      postEvent(envelope, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    ]);
    await fake.waitForCalls('chat.postMessage', before + 1);
    await waitFor(() => (countLogs('Slack event already handled: skipped') > skipped ? true : undefined), 'the retry to be skipped');

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(before + 1);
    expect(env.rows('SELECT COUNT(*) AS n FROM predictions')[0]!.n).toBe(predictions + 1);
    expect(env.rows('SELECT COUNT(*) AS n FROM slack_events WHERE event_id = ?', envelope.event_id)[0]!.n).toBe(1);
  });

  it('answers message and mention once', async () => {
    const sample = env.samples[2]!;
    const file = filePayload(fake.url, { name: 'both.png' });
    fake.addFile(file.url_private, sample.png, 'image/png');
    const ts = messageTs();
    const mention = appMentionEvent({ channel: CHANNEL, user: BOB, botUserId: fake.botUserId, files: [file], ts });
    const message = directFileShareEvent({ channel: CHANNEL, user: BOB, files: [file], ts, overrides: { channel_type: 'im' } });
    const before = fake.callsOf('chat.postMessage').length;
    const skipped = countLogs('file already answered: skipped');

    await Promise.all([postEvent(eventCallback(mention)), postEvent(eventCallback(message))]);
    await fake.waitForCalls('chat.postMessage', before + 1);
    await waitFor(() => (countLogs('file already answered: skipped') > skipped ? true : undefined), 'the second event to be skipped');

    expect(fake.callsOf('chat.postMessage')).toHaveLength(before + 1);
    expect(env.rows('SELECT COUNT(*) AS n FROM chat_answers WHERE request_key = ?', `${CHANNEL}/${ts}/${file.id}`)[0]!.n).toBe(1);
  });

  it('acknowledges before a slow download', async () => {
    const sample = env.samples[0]!;
    const file = filePayload(fake.url, { name: 'slow.png' });
    fake.respondOnce((call) => call.method.startsWith('GET ') && call.method.includes(file.id), {
      status: 200,
      headers: { 'content-type': 'image/png' },
      body: Buffer.from(sample.png).toString('latin1'),
      delayMs: 1500,
    });
    const before = fake.callsOf('chat.postMessage').length;

    const ack = await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] })));
    const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

    expect(ack.status).toBe(200);
    expect(ack.elapsedMs).toBeLessThan(1000);
    expect(answer!.at).toBeGreaterThan(ack.at);
  });

  it('answers the URL verification challenge', async () => {
    const response = await post(JSON.stringify({ token: 'legacy', challenge: 'challenge-3eZbrw1aBm2', type: 'url_verification' }), 'application/json');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ challenge: 'challenge-3eZbrw1aBm2' });
  });

  it('rejects a forged signature with 401', async () => {
    const envelope = eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [filePayload(fake.url)] }));
    const body = JSON.stringify(envelope);
    const forged = signRequest(body, 'not-the-signing-secret');

    const response = await post(body, 'application/json', forged);

    expect(response.status).toBe(401);
    expect(env.rows('SELECT COUNT(*) AS n FROM slack_events WHERE event_id = ?', envelope.event_id)[0]!.n).toBe(0);
  });

  it('rejects a stale timestamp with 401', async () => {
    const envelope = eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [filePayload(fake.url)] }));
    const body = JSON.stringify(envelope);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;

    const response = await post(body, 'application/json', signRequest(body, SIGNING_SECRET, sixMinutesAgo));

    expect(response.status).toBe(401);
    expect(env.rows('SELECT COUNT(*) AS n FROM slack_events WHERE event_id = ?', envelope.event_id)[0]!.n).toBe(0);
  });

  it('answers /predict with instructions', async () => {
    const response = await post(slashCommandBody({ command: '/predict', user: ALICE, channel: CHANNEL }), 'application/x-www-form-urlencoded');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({
      response_type: 'ephemeral',
      text: 'Send me a PNG, JPEG, WebP, GIF or TIFF image in a direct message, or mention me in a message with images attached, and I will answer in the thread.',
    });
  });

  it('retries a rate-limited answer', async () => {
    const sample = env.samples[1]!;
    const file = filePayload(fake.url, { name: 'limited.png' });
    fake.addFile(file.url_private, sample.png, 'image/png');
    fake.respondOnce((call) => call.method === 'chat.postMessage' && call.args.text?.endsWith('for limited.png'), {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { ok: false, error: 'ratelimited' },
    });
    const before = fake.callsOf('chat.postMessage').length;

    await postEvent(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] })));
    const attempts = (await fake.waitForCalls('chat.postMessage', before + 2)).slice(before);

    expect(attempts.map((call) => call.args.text)).toEqual([attempts[0]!.args.text, attempts[0]!.args.text]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
  });
});

describe('Slack reactions', () => {
  let answerTs: string;
  let prediction: Record<string, any>;
  const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

  beforeAll(async () => {
    ({ answerTs, prediction } = await askInDm(env.samples[0]!));
  });

  it('records and withdraws +1', async () => {
    await react('reaction_added', BOB, '+1', answerTs);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'correct', label: prediction.label, source: 'slack', user_hash: env.hashUser(BOB) }]);

    await react('reaction_removed', BOB, '+1', answerTs);
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('records and withdraws -1', async () => {
    await react('reaction_added', BOB, '-1::skin-tone-3', answerTs);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'incorrect', label: null, source: 'slack', user_hash: env.hashUser(BOB) }]);

    await react('reaction_removed', BOB, '-1::skin-tone-3', answerTs);
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('records and withdraws a digit', async () => {
    const other = (prediction.class_index + 3) % 10;
    await react('reaction_added', BOB, digits[other]!, answerTs);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'incorrect', label: env.classNames[other], source: 'slack', user_hash: env.hashUser(BOB) }]);

    await react('reaction_removed', BOB, digits[other]!, answerTs);
    expect(feedbackRows(prediction.id)).toEqual([]);
  });

  it('ignores bots, itself and other messages', async () => {
    fake.users.set('U000HELPERBOT', { id: 'U000HELPERBOT', is_bot: true });
    await react('reaction_added', 'U000HELPERBOT', '+1', answerTs);
    await react('reaction_added', fake.botUserId, '-1', answerTs);
    await react('reaction_added', BOB, '+1', messageTs());
    await react('reaction_added', BOB, 'tada', answerTs);

    expect(feedbackRows(prediction.id)).toEqual([]);
    expect(fake.callsOf('users.info').map((call) => call.args.user)).toContain('U000HELPERBOT');
  });

  it('counts reactions after a restart', async () => {
    await bot.stop();
    bot = await startBot();

    await react('reaction_added', ALICE, digits[prediction.class_index]!, answerTs);
    expect(feedbackRows(prediction.id)).toEqual([{ verdict: 'correct', label: prediction.label, source: 'slack', user_hash: env.hashUser(ALICE) }]);
    expect(fake.callsOf('auth.test')).toHaveLength(2);
  });
});

describe('Slack Socket Mode', () => {
  it('answers an event over the socket', async () => {
    const socketBot = createSlackBot({
      config: { botToken: BOT_TOKEN, signingSecret: null, appToken: APP_TOKEN, apiUrl: fake.apiUrl, fileOrigins: [fake.url] },
      services: env.services,
      logger,
    });
    expect(socketBot.router).toBeNull();
    await socketBot.start();
    try {
      const [open] = fake.callsOf('apps.connections.open');
      expect(open!.authorization).toBe(`Bearer ${APP_TOKEN}`);
      await waitFor(() => (fake.socketConnections === 1 ? true : undefined), 'the socket connection');

      const sample = env.samples[0]!;
      const file = filePayload(fake.url, { name: 'socket.png' });
      fake.addFile(file.url_private, sample.png, 'image/png');
      const before = fake.callsOf('chat.postMessage').length;
      const envelopeId = fake.sendEnvelope(eventCallback(directFileShareEvent({ channel: DM_CHANNEL, user: ALICE, files: [file] })));
      const [answer] = (await fake.waitForCalls('chat.postMessage', before + 1)).slice(before);

      expect(fake.acks).toContain(envelopeId);
      expect(answer!.args.blocks[1].fields[0].text).toBe(`*Label*\n${sample.label}`);
    } finally {
      await socketBot.stop();
    }
    await waitFor(() => (fake.socketConnections === 0 ? true : undefined), 'the socket to close');
  });
});

describe('Slack logs', () => {
  it('never contain the token or secret', () => {
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(20);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain(APP_TOKEN);
    expect(text).toContain('"msg":"file classified"');
  });
});
