import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;
import type { ChatAnswer } from '../../core/chat/answer-content.js';
import { slackDigitName } from '../../core/chat/reaction-meaning.js';

/** A Slack message body: blocks, and the plain text that notifications and screen readers use. */
export interface SlackMessageContent {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Builds the blocks of a Slack answer, with the same content as the Discord embed: label,
 * confidence, top classes, model version, prediction id and the reactions that give feedback.
 */
export function renderAnswerBlocks(answer: ChatAnswer, fileName: string): SlackMessageContent {
  const topK = answer.topK.map((entry) => `${entry.label}: ${entry.probabilityText}`).join('\n');
  const legend = answer.classLegend.map((entry) => `:${slackDigitName(entry.classIndex)}: ${entry.label}`).join(' · ');
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(answer.title)}*\nPrediction for ${escapeMrkdwn(fileName)}` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Label*\n${escapeMrkdwn(answer.label)}` },
        { type: 'mrkdwn', text: `*Confidence*\n${answer.confidenceText}` },
        { type: 'mrkdwn', text: `*Top ${answer.topK.length}*\n${escapeMrkdwn(topK)}` },
        { type: 'mrkdwn', text: `*Model version*\n${escapeMrkdwn(answer.modelVersion)}` },
      ],
    },
  ];
  if (answer.warnings.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Warnings*\n${escapeMrkdwn(answer.warnings.join('\n'))}` } });
  }
  blocks.push(
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Prediction id ${answer.predictionId}` }] },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `React :+1: if this is right, :-1: if it is wrong, or with the digit of the right class: ${escapeMrkdwn(legend)}` }],
    },
  );
  return { text: `${answer.title} for ${fileName}`, blocks };
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
