import { describeAcceptedFormats, formatBytes } from './file-check.js';

/** Options for {@link describeRejection}. */
export interface RejectionReplyArgs {
  /** The file name as the user sees it in the chat. */
  fileName: string;
  /** Largest accepted file in bytes. */
  maxBytes: number;
}

/**
 * Builds the short chat reply for a file the bot could not classify, from the stable error
 * code (InputError codes of the prediction service and the bots' download codes). Every reply
 * says what is accepted; unknown codes get a generic reply that asks to retry.
 */
export function describeRejection(code: string, args: RejectionReplyArgs): string {
  const name = `“${args.fileName}”`;
  const accepted = `Send a ${describeAcceptedFormats()} image of up to ${formatBytes(args.maxBytes)}.`;

  switch (code) {
    case 'unsupported_media_type':
    case 'not_an_image':
      return `I can't classify ${name}: it is not an image I can read. ${accepted}`;
    case 'input_too_large':
    case 'file_too_large':
      return `${name} is larger than ${formatBytes(args.maxBytes)}, so I did not read it. ${accepted}`;
    case 'too_many_pixels':
      return `${name} has too many pixels for me to decode. ${accepted}`;
    case 'undecodable_image':
      return `${name} looks like an image, but it cannot be decoded: it may be cut off or corrupt. ${accepted}`;
    case 'empty_input':
      return `${name} is empty. ${accepted}`;
    case 'missing_files_scope':
      return (
        `I can't download ${name}: Slack answered with a login page instead of the file, ` +
        'which means this app is missing the `files:read` scope. Ask a workspace admin to add ' +
        '`files:read` under OAuth & Permissions and reinstall the app.'
      );
    case 'download_timeout':
      return `Downloading ${name} took too long. Try again in a minute. ${accepted}`;
    case 'model_not_ready':
      return 'The model is still loading. Try again in a minute.';
    case 'download_failed':
    case 'file_host_not_allowed':
      return `I could not download ${name}. Try uploading it again. ${accepted}`;
    default:
      return `Something went wrong on my side while classifying ${name}. Try again in a minute.`;
  }
}
