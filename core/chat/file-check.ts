import { ACCEPTED_FORMATS } from '../serving/decode-image.js';

/** What a chat platform says about a file before it is downloaded. */
export interface DeclaredFile {
  name: string;
  /** MIME type as the platform reports it; null when it reports none. */
  contentType: string | null;
  /** Size in bytes as the platform reports it; null when it reports none. */
  size: number | null;
}

/** The reason a file is rejected before download, as an InputError code. */
export type DeclaredFileProblem = 'unsupported_media_type' | 'input_too_large';

/**
 * Checks a file from its declared type and size, so a PDF or an oversized video is answered
 * without downloading it. A file that passes is still checked byte by byte after download,
 * because platforms report types from the file name. Returns null when the file may be an image.
 *
 * @param maxBytes largest accepted file in bytes, the same limit as uploads to the API.
 */
export function checkDeclaredFile(file: DeclaredFile, maxBytes: number): DeclaredFileProblem | null {
  if (file.size !== null && file.size > maxBytes) return 'input_too_large';

  const type = file.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && (!type.startsWith('image/') || type === 'image/svg+xml')) return 'unsupported_media_type';
  return null;
}

/** Returns the accepted image types as prose for messages: `PNG, JPEG, WebP, GIF or TIFF`. */
export function describeAcceptedFormats(): string {
  const names = ACCEPTED_FORMATS.map((format) => (format === 'webp' ? 'WebP' : format.toUpperCase()));
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** Formats a byte count as whole mebibytes or kibibytes, such as `10 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
