/**
 * What a reaction on a bot answer means as feedback. Both bots use these rules, so a 👍 on
 * Discord and a `:+1:` on Slack record the same thing.
 */
export type ReactionMeaning =
  | { kind: 'verdict'; verdict: 'correct' | 'incorrect' }
  | { kind: 'label'; classIndex: number };

/** Keycap digits 0️⃣ to 9️⃣ mark class indices 0 to 9, so at most ten classes can be named by reaction. */
export const MAX_REACTION_CLASSES = 10;

/** The emoji a bot adds to its own answer so users can vote with one click. */
export const SEEDED_DISCORD_REACTIONS = ['👍', '👎'] as const;
export const SEEDED_SLACK_REACTIONS = ['+1', '-1'] as const;

const SLACK_DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

// Fitzpatrick skin tone modifiers U+1F3FB to U+1F3FF; a 👍🏽 means the same as 👍.
const SKIN_TONE_MODIFIERS = /[\u{1F3FB}-\u{1F3FF}]/gu;
// A keycap is a digit, an optional variation selector U+FE0F, then U+20E3.
const KEYCAP = /^([0-9])\uFE0F?\u20E3$/u;

/**
 * Parses a Discord reaction (a Unicode emoji) into its feedback meaning: 👍 correct, 👎
 * incorrect, a keycap digit the class index. Returns null for any other emoji, custom emoji
 * (pass their name) included.
 */
export function parseDiscordReaction(emoji: string | null | undefined): ReactionMeaning | null {
  if (!emoji) return null;
  const plain = emoji.replace(SKIN_TONE_MODIFIERS, '');
  if (plain === '👍') return { kind: 'verdict', verdict: 'correct' };
  if (plain === '👎') return { kind: 'verdict', verdict: 'incorrect' };

  const keycap = KEYCAP.exec(plain);
  if (keycap) return { kind: 'label', classIndex: Number(keycap[1]) };
  return null;
}

/**
 * Parses a Slack reaction name into its feedback meaning: `+1`/`thumbsup` correct,
 * `-1`/`thumbsdown` incorrect, `zero` to `nine` the class index. Skin tone suffixes such as
 * `+1::skin-tone-3` are ignored. Returns null for any other name.
 */
export function parseSlackReaction(name: string | null | undefined): ReactionMeaning | null {
  if (!name) return null;
  const plain = name.replace(/::skin-tone-\d$/, '');
  if (plain === '+1' || plain === 'thumbsup') return { kind: 'verdict', verdict: 'correct' };
  if (plain === '-1' || plain === 'thumbsdown') return { kind: 'verdict', verdict: 'incorrect' };

  const digit = SLACK_DIGIT_NAMES.indexOf(plain);
  if (digit >= 0) return { kind: 'label', classIndex: digit };
  return null;
}

/** The keycap emoji for a class index, as listed in an answer's footer (0️⃣ for 0). */
export function discordKeycap(classIndex: number): string {
  return `${classIndex}\uFE0F\u20E3`;
}

/** The Slack reaction name for a class index (`zero` for 0). */
export function slackDigitName(classIndex: number): string {
  const name = SLACK_DIGIT_NAMES[classIndex];
  if (name === undefined) throw new RangeError(`Class index ${classIndex} has no reaction; only 0 to 9 do.`);
  return name;
}
