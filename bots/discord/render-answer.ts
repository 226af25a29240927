import { EmbedBuilder } from 'discord.js';
import type { ChatAnswer } from '../../core/chat/answer-content.js';
import { discordKeycap } from '../../core/chat/reaction-meaning.js';
import type { FeedbackStats } from '../shared/chat-store.js';

const IN_DOMAIN_COLOUR = 0x2b8a3e;
const OUT_OF_DOMAIN_COLOUR = 0xf0b232;

/**
 * Builds the embed of a Discord answer: label, confidence, top classes, model version and
 * prediction id, and a footer that lists the reactions users can give as feedback.
 */
export function renderAnswerEmbed(answer: ChatAnswer, fileName: string): EmbedBuilder {
  const embed = new EmbedBuilder()
    .setTitle(answer.title)
    .setColor(answer.outOfDomain ? OUT_OF_DOMAIN_COLOUR : IN_DOMAIN_COLOUR)
    .setDescription(`Prediction for ${fileName}`)
    .addFields(
      { name: 'Label', value: answer.label, inline: true },
      { name: 'Confidence', value: answer.confidenceText, inline: true },
      { name: `Top ${answer.topK.length}`, value: answer.topK.map((entry) => `${entry.label}: ${entry.probabilityText}`).join('\n') },
      { name: 'Model version', value: answer.modelVersion, inline: true },
      { name: 'Prediction id', value: answer.predictionId, inline: true },
    )
    .setFooter({ text: renderFeedbackLegend(answer) });
  if (answer.warnings.length > 0) embed.addFields({ name: 'Warnings', value: answer.warnings.join('\n') });
  return embed;
}

/** Builds the footer text: 👍 if right, 👎 if wrong, or the keycap digit of the right class. */
export function renderFeedbackLegend(answer: ChatAnswer): string {
  const classes = answer.classLegend.map((entry) => `${discordKeycap(entry.classIndex)} ${entry.label}`).join(' · ');
  return `React 👍 if this is right, 👎 if it is wrong, or with the digit of the right class: ${classes}`;
}

/** Builds the text of a `/feedback-stats` reply. */
export function renderFeedbackStats(stats: FeedbackStats): string {
  const accuracy = stats.accuracy === null ? 'no feedback yet' : `${(stats.accuracy * 100).toFixed(1)}% of ${stats.feedback} rated predictions were right`;
  return (
    `Model ${stats.modelVersion}: ${stats.predictions} predictions, ${stats.feedback} with feedback ` +
    `(${stats.correct} correct, ${stats.incorrect} incorrect); accuracy from feedback: ${accuracy}.`
  );
}
