import type { Logger } from '../../core/logger.js';
import type { SlackBotConfig } from '../config.js';
import { DownloadError } from '../errors.js';
import { downloadFile } from '../shared/download-file.js';

/** Options for {@link downloadSlackFile}. */
export interface DownloadSlackFileArgs {
  config: SlackBotConfig;
  /** The file's `url_private` (or `url_private_download`). */
  url: string;
  maxBytes: number;
  timeoutMs: number;
  logger: Logger;
  context: Record<string, unknown>;
}

/**
 * Downloads a Slack file with the bot token. Slack responds to a token without the `files:read`
 * scope with a 401, or with a redirect to an HTML sign-in page; both become a DownloadError
 * with code `missing_files_scope`, which the bot turns into a reply naming the scope.
 *
 * @throws DownloadError.
 */
export async function downloadSlackFile(args: DownloadSlackFileArgs): Promise<Uint8Array> {
  let file;
  try {
    file = await downloadFile({
      url: args.url,
      allowedOrigins: args.config.fileOrigins,
      headers: { authorization: `Bearer ${args.config.botToken}` },
      maxBytes: args.maxBytes,
      timeoutMs: args.timeoutMs,
      logger: args.logger,
      context: args.context,
    });
  } catch (error) {
    if (error instanceof DownloadError && (error.code === 'download_unauthorized' || error.code === 'download_redirected')) {
      throw missingScope(error.message, error);
    }
    throw error;
  }

  if (isHtml(file.bytes, file.contentType)) {
    throw missingScope(`Slack sent an HTML page (${file.contentType ?? 'no content type'}) instead of the file.`);
  }
  return file.bytes;
}

function missingScope(reason: string, cause?: unknown): DownloadError {
  return new DownloadError(
    'missing_files_scope',
    `${reason} The bot token probably lacks the files:read scope: add it under OAuth & Permissions and reinstall the app.`,
    { cause },
  );
}

/** True for a declared HTML type, or bytes that open like an HTML document. */
function isHtml(bytes: Uint8Array, contentType: string | null): boolean {
  if (contentType?.toLowerCase().startsWith('text/html')) return true;
  const head = Buffer.from(bytes.subarray(0, 512)).toString('utf8').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}
