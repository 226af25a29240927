import type { StreamItem } from '../../core/monitoring/drift-stream.js';

/** Result of one simulated request. */
export interface TrafficResult {
  status: number;
  modelVersion: string | null;
  classIndex: number | null;
  /** The class the simulated user knows to be right. */
  trueLabel: number;
  feedbackSent: boolean;
}

/** Options of {@link sendTraffic}. */
export interface SendTrafficArgs {
  url: string;
  items: StreamItem[];
  classNames: readonly string[];
  /** Requests in flight at once. */
  concurrency: number;
  /** Share of responses on which the user sends feedback with the true label. */
  feedbackRate: number;
  random: () => number;
  /** Index of the first item in the whole simulation, so user ids continue across phases. */
  offset: number;
  /** Number of simulated users; request i comes from user `i % users`. */
  users: number;
}

/**
 * Sends stream images to `POST /v1/predictions` as JSON pixels, each with a simulated user id,
 * and posts feedback with the true label on a share of the responses. Request and feedback
 * failures are counted in the results, not thrown.
 */
export async function sendTraffic(args: SendTrafficArgs): Promise<TrafficResult[]> {
  const results = new Array<TrafficResult>(args.items.length);
  let next = 0;
  const worker = async () => {
    while (next < args.items.length) {
      const index = next++;
      results[index] = await sendOne(args, args.items[index]!, args.offset + index);
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return results;
}

async function sendOne(args: SendTrafficArgs, item: StreamItem, position: number): Promise<TrafficResult> {
  const userId = `sim-user-${position % args.users}`;
  let response: Response;
  try {
    response = await fetch(`${args.url}/v1/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pixels: Array.from(item.pixels), userId, source: 'simulation' }),
    });
  } catch {
    return { status: 0, modelVersion: null, classIndex: null, trueLabel: item.label, feedbackSent: false };
  }
  if (response.status !== 201) {
    await response.body?.cancel();
    return { status: response.status, modelVersion: null, classIndex: null, trueLabel: item.label, feedbackSent: false };
  }

  const body = (await response.json()) as { id: string; modelVersion: string; classIndex: number };
  let feedbackSent = false;
  if (args.random() < args.feedbackRate) {
    const correct = body.classIndex === item.label;
    const feedback = correct ? { verdict: 'correct', userId, source: 'simulation' } : { verdict: 'incorrect', label: args.classNames[item.label], userId, source: 'simulation' };
    const reply = await fetch(`${args.url}/v1/predictions/${body.id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(feedback) });
    await reply.body?.cancel();
    feedbackSent = reply.ok;
  }
  return { status: 201, modelVersion: body.modelVersion, classIndex: body.classIndex, trueLabel: item.label, feedbackSent };
}

/** Share of successful results whose class is the true one; null without any. */
export function accuracyOf(results: TrafficResult[]): number | null {
  const answered = results.filter((result) => result.status === 201);
  return answered.length === 0 ? null : answered.filter((result) => result.classIndex === result.trueLabel).length / answered.length;
}
