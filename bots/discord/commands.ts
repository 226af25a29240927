import { OAuth2Scopes, PermissionFlagsBits, REST, Routes, SlashCommandBuilder } from 'discord.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DiscordBotConfig } from '../config.js';

export const PREDICT_COMMAND = 'predict';
export const FEEDBACK_STATS_COMMAND = 'feedback-stats';

/** Builds the registration payloads of the bot's slash commands. */
export function buildSlashCommands() {
  return [
    new SlashCommandBuilder()
      .setName(PREDICT_COMMAND)
      .setDescription('Classify an image of a clothing item')
      .addAttachmentOption((option) => option.setName('image').setDescription('A PNG, JPEG, WebP, GIF or TIFF image').setRequired(true)),
    new SlashCommandBuilder().setName(FEEDBACK_STATS_COMMAND).setDescription('Show feedback counts and accuracy for the current model'),
  ].map((command) => command.toJSON());
}

/**
 * Registers (overwrites) the bot's slash commands: in `config.guildId` when set, where they
 * appear at once, or globally otherwise. Returns where they were registered.
 *
 * @throws ConfigError when DISCORD_APPLICATION_ID is unset; DiscordAPIError when Discord rejects the call.
 */
export async function registerDiscordCommands(config: DiscordBotConfig, logger: Logger): Promise<'guild' | 'global'> {
  if (!config.applicationId) {
    throw new ConfigError('DISCORD_APPLICATION_ID is missing: set it to the application id from the Developer Portal to register slash commands.');
  }
  const rest = new REST({ version: '10', api: config.apiUrl }).setToken(config.token);
  const commands = buildSlashCommands();

  const route = config.guildId
    ? Routes.applicationGuildCommands(config.applicationId, config.guildId)
    : Routes.applicationCommands(config.applicationId);
  await rest.put(route, { body: commands });

  const scope = config.guildId ? 'guild' : 'global';
  logger.info({ applicationId: config.applicationId, guildId: config.guildId, scope, commands: commands.map((command) => command.name) }, 'Discord slash commands registered');
  return scope;
}

/**
 * Channel permissions the bot needs: read the channel and its history, answer (also in threads
 * and as a reply to the user's message), send embeds and seed its reactions.
 */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.ReadMessageHistory;

/** Builds the link that adds the bot to a server with its slash commands and {@link BOT_PERMISSIONS}. */
export function buildInviteUrl(applicationId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: BOT_PERMISSIONS.toString(),
  });
  return `https://discord.com/oauth2/authorize?${query.toString()}`;
}
