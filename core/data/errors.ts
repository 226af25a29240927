import { SnapclassError } from '../errors.js';

/** Advice appended to messages about a damaged or missing official data file. */
export const REDOWNLOAD_ADVICE = 'Run `npm run data` to download it again';

/**
 * Base class of the data layer's errors. `fileName` is the file at fault (its base name or
 * path), or a description such as `training labels` when the data did not come from a file.
 */
export class DataError extends SnapclassError {
  readonly fileName: string;

  constructor(code: string, fileName: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.fileName = fileName;
  }
}

/** The IDX file ends before its header or its data is complete. */
export class IdxTruncatedError extends DataError {
  readonly expectedBytes: number;
  readonly receivedBytes: number;

  constructor(fileName: string, part: string, expectedBytes: number, receivedBytes: number) {
    super(
      'idx_truncated',
      fileName,
      `${fileName}: IDX file is truncated: the ${part} needs ${expectedBytes} bytes, received ${receivedBytes}. ` +
        `The file is incomplete. ${REDOWNLOAD_ADVICE}.`,
    );
    this.expectedBytes = expectedBytes;
    this.receivedBytes = receivedBytes;
  }
}

/** The IDX file has more bytes after its data than its dimensions allow. */
export class IdxTrailingBytesError extends DataError {
  readonly expectedBytes: number;
  readonly receivedBytes: number;

  constructor(fileName: string, expectedBytes: number, receivedBytes: number) {
    super(
      'idx_trailing_bytes',
      fileName,
      `${fileName}: IDX file has trailing bytes: its header declares ${expectedBytes} bytes in all, ` +
        `received ${receivedBytes}. The file is damaged or not an IDX file. ${REDOWNLOAD_ADVICE}.`,
    );
    this.expectedBytes = expectedBytes;
    this.receivedBytes = receivedBytes;
  }
}

/** The magic number is not one of the supported IDX types, or not the type the caller expects. */
export class IdxBadMagicError extends DataError {
  readonly expectedMagic: readonly number[];
  readonly receivedMagic: number;

  constructor(fileName: string, expectedMagic: readonly number[], receivedMagic: number) {
    const expected = expectedMagic.map(formatMagic).join(' or ');
    super(
      'idx_bad_magic',
      fileName,
      `${fileName}: invalid IDX magic number: expected ${expected}, received ${formatMagic(receivedMagic)}. ` +
        `The file is not an unsigned-byte IDX file of the expected kind. ${REDOWNLOAD_ADVICE}.`,
    );
    this.expectedMagic = expectedMagic;
    this.receivedMagic = receivedMagic;
  }
}

/** The file starts with the gzip magic bytes but does not decompress. */
export class IdxGzipError extends DataError {
  constructor(fileName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'idx_gzip_corrupt',
      fileName,
      `${fileName}: gzip decompression failed (${reason}). The file is corrupt or incomplete. ${REDOWNLOAD_ADVICE}.`,
      { cause },
    );
  }
}

/** The images have a size other than the one the data set defines. */
export class IdxShapeError extends DataError {
  constructor(fileName: string, expected: string, received: string) {
    super(
      'idx_bad_shape',
      fileName,
      `${fileName}: unexpected image size: expected ${expected}, received ${received}. ` +
        `The file belongs to another data set. ${REDOWNLOAD_ADVICE}.`,
    );
  }
}

/** An images file and its labels file contain different numbers of items. */
export class IdxCountMismatchError extends DataError {
  readonly imageCount: number;
  readonly labelCount: number;

  constructor(imagesFileName: string, labelsFileName: string, imageCount: number, labelCount: number) {
    super(
      'idx_count_mismatch',
      imagesFileName,
      `${imagesFileName} contains ${imageCount} images but ${labelsFileName} contains ${labelCount} labels, ` +
        `and the two counts must be equal. One of the files is damaged or from another release. ` +
        `${REDOWNLOAD_ADVICE}.`,
    );
    this.imageCount = imageCount;
    this.labelCount = labelCount;
  }
}

/** A label is not below the number of classes. */
export class LabelOutOfRangeError extends DataError {
  readonly index: number;
  readonly label: number;

  constructor(fileName: string, index: number, label: number, classCount: number) {
    super(
      'label_out_of_range',
      fileName,
      `${fileName}: label ${label} at index ${index} is out of range: expected 0 to ${classCount - 1} ` +
        `(${classCount} classes). The labels belong to another data set or are damaged. ${REDOWNLOAD_ADVICE}.`,
    );
    this.index = index;
    this.label = label;
  }
}

/** The data set, or one of its files, is in none of the searched folders. */
export class DatasetNotFoundError extends DataError {
  readonly searchedDirs: readonly string[];

  constructor(dataset: string, searchedDirs: readonly string[]) {
    super(
      'dataset_not_found',
      dataset,
      `${dataset} not found (searched ${searchedDirs.join(', ')}). ` +
        'Run `npm run data` to download it, or set SNAPCLASS_DATA_DIR to a folder that contains it.',
    );
    this.searchedDirs = searchedDirs;
  }
}

/** A file's SHA-256 differs from the expected one. */
export class ChecksumMismatchError extends DataError {
  readonly expectedSha256: string;
  readonly receivedSha256: string;

  constructor(fileName: string, expectedSha256: string, receivedSha256: string, advice: string = REDOWNLOAD_ADVICE) {
    super(
      'checksum_mismatch',
      fileName,
      `${fileName}: SHA-256 mismatch: expected ${expectedSha256}, received ${receivedSha256}. ` +
        `The file is damaged or from another release. ${advice}.`,
    );
    this.expectedSha256 = expectedSha256;
    this.receivedSha256 = receivedSha256;
  }
}

/** A download failed for good: a client error, or a transient fault that outlasted every retry. */
export class DownloadFailedError extends DataError {
  readonly url: string;

  constructor(fileName: string, url: string, reason: string, options?: { cause?: unknown }) {
    super(
      'download_failed',
      fileName,
      `${fileName}: download from ${url} failed: ${reason}. ` +
        'Check the address (--url or SNAPCLASS_DATA_URL) and the connection, then run `npm run data` again.',
      options,
    );
    this.url = url;
  }
}

function formatMagic(magic: number): string {
  return `0x${magic.toString(16).padStart(8, '0')}`;
}
