import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatStore } from '../../bots/shared/chat-store.js';
import { openDatabase, type DatabaseHandle } from '../../db/open-database.js';
import { PredictionStore } from '../../db/prediction-store.js';

let handle: DatabaseHandle;
let chat: ChatStore;
let store: PredictionStore;

function insertPrediction(id: string, modelVersion = 'v1'): void {
  store.insertPrediction({
    id,
    createdAt: new Date().toISOString(),
    source: 'slack',
    userHash: null,
    modelVersion,
    inputSha256: '0'.repeat(64),
    inputPixels: Buffer.alloc(784),
    label: 'Bag',
    classIndex: 8,
    confidence: 0.9,
    topK: '[]',
    latencyMs: 1,
  });
}

beforeEach(() => {
  handle = openDatabase({ file: ':memory:' });
  chat = new ChatStore(handle);
  store = new PredictionStore(handle);
});

afterEach(() => handle.close());

describe('ChatStore', () => {
  it('claims a request once per platform', () => {
    expect(chat.claimRequest({ platform: 'slack', requestKey: 'C1/1.0/F1', channelId: 'C1' })).toBe(true);
    expect(chat.claimRequest({ platform: 'slack', requestKey: 'C1/1.0/F1', channelId: 'C1' })).toBe(false);
    expect(chat.claimRequest({ platform: 'discord', requestKey: 'C1/1.0/F1', channelId: 'C1' })).toBe(true);
  });

  it('maps answer messages to predictions', () => {
    insertPrediction('p1');
    chat.claimRequest({ platform: 'slack', requestKey: 'k1', channelId: 'C1' });
    chat.updateRequest('slack', 'k1', { predictionId: 'p1' });
    expect(chat.findPredictionForMessage('slack', 'C1', '2.0')).toBeUndefined();

    chat.updateRequest('slack', 'k1', { messageId: '2.0' });
    expect(chat.findPredictionForMessage('slack', 'C1', '2.0')).toBe('p1');
    expect(chat.findPredictionForMessage('discord', 'C1', '2.0')).toBeUndefined();
    expect(chat.findPredictionForMessage('slack', 'C2', '2.0')).toBeUndefined();
  });

  it('ignores answers without a prediction', () => {
    chat.claimRequest({ platform: 'slack', requestKey: 'k2', channelId: 'C1' });
    chat.updateRequest('slack', 'k2', { messageId: '3.0' });
    expect(chat.findPredictionForMessage('slack', 'C1', '3.0')).toBeUndefined();
  });

  it('releases only unposted claims', () => {
    chat.claimRequest({ platform: 'slack', requestKey: 'open', channelId: 'C1' });
    chat.claimRequest({ platform: 'slack', requestKey: 'posted', channelId: 'C1' });
    chat.updateRequest('slack', 'posted', { messageId: '4.0' });

    chat.releaseRequest('slack', 'open');
    chat.releaseRequest('slack', 'posted');

    expect(chat.claimRequest({ platform: 'slack', requestKey: 'open', channelId: 'C1' })).toBe(true);
    expect(chat.claimRequest({ platform: 'slack', requestKey: 'posted', channelId: 'C1' })).toBe(false);
  });

  it('prunes event ids after a day', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(chat.claimSlackEvent('Ev1', start)).toBe(true);
    expect(chat.claimSlackEvent('Ev1', new Date(start.getTime() + 60_000))).toBe(false);

    expect(chat.claimSlackEvent('Ev2', new Date(start.getTime() + 25 * 60 * 60 * 1000))).toBe(true);
    expect(handle.sqlite.prepare('SELECT event_id FROM slack_events').all()).toEqual([{ event_id: 'Ev2' }]);
  });

  it('deletes answers with their prediction', () => {
    insertPrediction('p3');
    chat.claimRequest({ platform: 'discord', requestKey: 'k3', channelId: 'C1' });
    chat.updateRequest('discord', 'k3', { predictionId: 'p3', messageId: '55' });
    handle.sqlite.prepare('DELETE FROM predictions WHERE id = ?').run('p3');
    expect(handle.sqlite.prepare('SELECT COUNT(*) AS n FROM chat_answers').get()).toEqual({ n: 0 });
  });

  it('counts feedback of one model', () => {
    insertPrediction('a');
    insertPrediction('b');
    insertPrediction('c', 'v2');
    store.upsertFeedback({ predictionId: 'a', userHash: 'u1', source: 'slack', verdict: 'correct', label: 'Bag' });
    store.upsertFeedback({ predictionId: 'a', userHash: 'u2', source: 'discord', verdict: 'incorrect', label: null });
    store.upsertFeedback({ predictionId: 'b', userHash: 'u1', source: 'api', verdict: 'correct', label: 'Bag' });
    store.upsertFeedback({ predictionId: 'c', userHash: 'u1', source: 'api', verdict: 'incorrect', label: null });

    expect(chat.feedbackStats('v1')).toEqual({ modelVersion: 'v1', predictions: 2, feedback: 3, correct: 2, incorrect: 1, accuracy: 2 / 3 });
    expect(chat.feedbackStats('v9')).toEqual({ modelVersion: 'v9', predictions: 0, feedback: 0, correct: 0, incorrect: 0, accuracy: null });
  });
});
