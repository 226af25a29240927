import { describe, expect, it } from 'vitest';
import { feedbackForReaction, isFeedbackOfReaction } from '../../../core/chat/reaction-feedback.js';
import { discordKeycap, parseDiscordReaction, parseSlackReaction, slackDigitName } from '../../../core/chat/reaction-meaning.js';

const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const PREDICTION = { label: 'Sneaker', classIndex: 7 };

describe('parseDiscordReaction', () => {
  const cases: [string, unknown][] = [
    ['👍', { kind: 'verdict', verdict: 'correct' }],
    ['👎', { kind: 'verdict', verdict: 'incorrect' }],
    ['👍🏽', { kind: 'verdict', verdict: 'correct' }],
    ['0️⃣', { kind: 'label', classIndex: 0 }],
    ['9️⃣', { kind: 'label', classIndex: 9 }],
    ['7\u20E3', { kind: 'label', classIndex: 7 }],
    ['❤️', null],
    ['🔟', null],
    ['#️⃣', null],
    ['', null],
  ];
  for (const [emoji, expected] of cases) {
    it(`parses ${JSON.stringify(emoji)}`, () => {
      expect(parseDiscordReaction(emoji)).toEqual(expected);
    });
  }

  it('round-trips every keycap digit', () => {
    for (let index = 0; index < 10; index++) {
      expect(parseDiscordReaction(discordKeycap(index))).toEqual({ kind: 'label', classIndex: index });
    }
  });
});

describe('parseSlackReaction', () => {
  const cases: [string, unknown][] = [
    ['+1', { kind: 'verdict', verdict: 'correct' }],
    ['thumbsup', { kind: 'verdict', verdict: 'correct' }],
    ['+1::skin-tone-4', { kind: 'verdict', verdict: 'correct' }],
    ['-1', { kind: 'verdict', verdict: 'incorrect' }],
    ['zero', { kind: 'label', classIndex: 0 }],
    ['nine', { kind: 'label', classIndex: 9 }],
    ['keycap_ten', null],
    ['heart', null],
  ];
  for (const [name, expected] of cases) {
    it(`parses ${name}`, () => {
      expect(parseSlackReaction(name)).toEqual(expected);
    });
  }

  it('rejects digit names past nine', () => {
    expect(slackDigitName(3)).toBe('three');
    expect(() => slackDigitName(10)).toThrow(RangeError);
  });
});

describe('feedbackForReaction', () => {
  it('maps verdicts without a label', () => {
    expect(feedbackForReaction({ kind: 'verdict', verdict: 'incorrect' }, PREDICTION, CLASS_NAMES)).toEqual({ verdict: 'incorrect', label: null });
    expect(feedbackForReaction({ kind: 'verdict', verdict: 'correct' }, PREDICTION, CLASS_NAMES)).toEqual({ verdict: 'correct', label: null });
  });

  it('maps the predicted digit to correct', () => {
    expect(feedbackForReaction({ kind: 'label', classIndex: 7 }, PREDICTION, CLASS_NAMES)).toEqual({ verdict: 'correct', label: 'Sneaker' });
  });

  it('maps another digit to incorrect', () => {
    expect(feedbackForReaction({ kind: 'label', classIndex: 5 }, PREDICTION, CLASS_NAMES)).toEqual({ verdict: 'incorrect', label: 'Sandal' });
  });

  it('ignores a digit past the classes', () => {
    expect(feedbackForReaction({ kind: 'label', classIndex: 3 }, PREDICTION, ['a', 'b'])).toBeNull();
  });
});

describe('isFeedbackOfReaction', () => {
  it('matches thumbs down only without label', () => {
    const thumbsDown = { kind: 'verdict', verdict: 'incorrect' } as const;
    expect(isFeedbackOfReaction({ verdict: 'incorrect', label: null }, thumbsDown, PREDICTION, CLASS_NAMES)).toBe(true);
    expect(isFeedbackOfReaction({ verdict: 'incorrect', label: 'Sandal' }, thumbsDown, PREDICTION, CLASS_NAMES)).toBe(false);
    expect(isFeedbackOfReaction({ verdict: 'correct', label: 'Sneaker' }, thumbsDown, PREDICTION, CLASS_NAMES)).toBe(false);
  });

  it('matches a digit only with its label', () => {
    const sandal = { kind: 'label', classIndex: 5 } as const;
    expect(isFeedbackOfReaction({ verdict: 'incorrect', label: 'Sandal' }, sandal, PREDICTION, CLASS_NAMES)).toBe(true);
    expect(isFeedbackOfReaction({ verdict: 'incorrect', label: 'Bag' }, sandal, PREDICTION, CLASS_NAMES)).toBe(false);
  });

  it('matches thumbs up to stored correct', () => {
    const thumbsUp = { kind: 'verdict', verdict: 'correct' } as const;
    expect(isFeedbackOfReaction({ verdict: 'correct', label: 'Sneaker' }, thumbsUp, PREDICTION, CLASS_NAMES)).toBe(true);
  });
});
