/**
 * Patterns of secrets that can appear in platform error messages and URLs: Slack tokens,
 * Discord bot tokens (three base64url parts), and interaction or webhook tokens in REST paths.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/xox[abposr]-[A-Za-z0-9-]+/g, 'xox?-[redacted]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[redacted]'],
  [/[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,40}/g, '[redacted-token]'],
  [/(\/webhooks\/\d+\/)[^/?\s]+/g, '$1[redacted]'],
  [/(\/interactions\/\d+\/)[^/?\s]+/g, '$1[redacted]'],
];

/** Replaces bot, app, interaction and webhook tokens in a string with `[redacted]` markers. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) masked = masked.replace(pattern, replacement);
  return masked;
}

/**
 * Turns an error into a plain object for a log line, with tokens masked in its message, URL and
 * stack. discord.js REST errors carry the request URL, whose interaction routes contain a
 * short-lived token, so bot code logs errors through this, under the `error` key, instead of
 * pino's `err` serializer (which would replace `type` with the class name of the plain object).
 */
export function toSafeErrorLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: maskSecrets(String(error)) };

  const fields = error as Error & { code?: unknown; status?: unknown; method?: unknown; url?: unknown };
  const log: Record<string, unknown> = { type: error.name, message: maskSecrets(error.message) };
  if (fields.code !== undefined) log.code = fields.code;
  if (typeof fields.status === 'number') log.status = fields.status;
  if (typeof fields.method === 'string') log.method = fields.method;
  if (typeof fields.url === 'string') log.url = maskSecrets(fields.url);
  if (error.stack) log.stack = maskSecrets(error.stack);
  if (error.cause !== undefined) log.cause = toSafeErrorLog(error.cause);
  return log;
}
