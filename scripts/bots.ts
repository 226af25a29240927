import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import express from 'express';
import { loadBotConfig } from '../bots/config.js';
import { buildInviteUrl, registerDiscordCommands } from '../bots/discord/commands.js';
import { openBotServices } from '../bots/open-bot-services.js';
import { SLACK_EVENTS_PATH } from '../bots/slack/slack-bot.js';
import { DeferredSlackRouter, startBots } from '../bots/start-bots.js';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadServiceConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { ModelRegistry } from '../core/registry/model-registry.js';

// Runs the chat bots without the HTTP API, or registers Discord's slash commands.
const logger = createLogger();

const program = new Command('bots')
  .description('Run the Discord and Slack bots without the HTTP API, or register slash commands. Settings come from environment variables (docs/bots.md).')
  .showHelpAfterError();

program
  .command('run', { isDefault: true })
  .description('start each bot whose credentials are set; Slack HTTP events are served on HOST:PORT at /slack/events')
  .action(runBots);

program
  .command('register-commands')
  .description('register /predict and /feedback-stats with Discord: in DISCORD_GUILD_ID when set (at once), otherwise globally')
  .action(async () => {
    const config = loadBotConfig();
    if (!config.discord) throw new ConfigError('DISCORD_TOKEN is missing: set it to the bot token from the Developer Portal to register slash commands.');
    const scope = await registerDiscordCommands(config.discord, logger);
    process.stdout.write(scope === 'guild' ? `Slash commands registered in guild ${config.discord.guildId}.\n` : 'Slash commands registered globally.\n');
  });

program
  .command('invite-url')
  .description('print the link that adds the Discord bot to a server (needs DISCORD_APPLICATION_ID)')
  .action(() => {
    const applicationId = loadBotConfig().discord?.applicationId ?? process.env.DISCORD_APPLICATION_ID;
    if (!applicationId) throw new ConfigError('DISCORD_APPLICATION_ID is missing: copy the application id from the Developer Portal page "General Information".');
    process.stdout.write(`${buildInviteUrl(applicationId)}\n`);
  });

async function runBots(): Promise<void> {
  const config = loadServiceConfig();
  const botConfig = loadBotConfig();
  if (!botConfig.discord && !botConfig.slack) {
    throw new ConfigError('No bot is enabled: set DISCORD_TOKEN or SLACK_BOT_TOKEN (see docs/bots.md).');
  }
  await selectBackend({ logger });
  const registry = new ModelRegistry(config.modelsDir, logger);
  const opened = await openBotServices({ config, botConfig, registry, logger });

  const slackRouter = new DeferredSlackRouter();
  const server = botConfig.slack && !botConfig.slack.appToken ? await serveSlackEvents(slackRouter, config.host, config.port) : null;
  const bots = await startBots({ config: botConfig, services: opened.services, logger, slackRouter });
  if (!bots.discord && !bots.slack) throw new Error('No bot started; the log above names the cause.');
  process.stdout.write(`snapclass bots running: ${[bots.discord && 'discord', bots.slack && 'slack'].filter(Boolean).join(', ')}\n`);

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutdown requested');
    const shutdown = async () => {
      await bots.stop();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      opened.close();
    };
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** Serves only Slack's events endpoint, for a bots-only process in HTTP mode. */
async function serveSlackEvents(router: DeferredSlackRouter, host: string, port: number): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.use(router.router);
  app.use((_request, response) => {
    response.status(404).json({ error: { code: 'not_found', message: `This process serves only POST ${SLACK_EVENTS_PATH}.` } });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  logger.info({ url: `http://${address.address}:${address.port}${SLACK_EVENTS_PATH}` }, 'serving Slack events');
  return server;
}

try {
  await program.parseAsync();
} catch (error) {
  logger.fatal({ err: error }, 'bots failed');
  process.stderr.write(`bots: ${(error as Error).message}\n`);
  process.exit(1);
}
