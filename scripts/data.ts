// `npm run data`: makes sure a verified copy of Fashion-MNIST is on disk, downloading what is
// missing. Exits 0 when the data set is ready and 1 on any failure.
import path from 'node:path';

import { Command } from 'commander';

import { downloadFashionMnist, hashFile, resolveDataUrl } from '../core/data/download.js';
import {
  FASHION_MNIST_FILE_NAMES,
  FASHION_MNIST_SHA256,
  loadFashionMnist,
  locateFashionMnist,
} from '../core/data/fashion-mnist.js';
import { SnapclassError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';

interface DataOptions {
  url?: string;
  dir?: string;
  force?: boolean;
}

const program = new Command()
  .name('npm run data')
  .description(
    'Find Fashion-MNIST or download it, and verify the SHA-256 of its four files. ' +
      'Searches $SNAPCLASS_DATA_DIR, ./data/fashion-mnist, then /usr/share/datasets/fashion-mnist.',
  )
  .option('--url <url>', 'folder URL to download from (default: $SNAPCLASS_DATA_URL, else the official location)')
  .option('--dir <dir>', 'folder to download into (default: $SNAPCLASS_DATA_DIR, else ./data/fashion-mnist)')
  .option('--force', 'download every file again, even when a verified copy exists')
  .parse();

// Core functions get the root logger because each one adds its own `component` binding.
const rootLogger = createLogger();
const logger = rootLogger.child({ component: 'data' });
try {
  await run(program.opts<DataOptions>(), rootLogger, logger);
} catch (error) {
  // The messages of snapclass errors already name the value and the fix, so the stack and
  // the cause chain go to the debug level only.
  const code = error instanceof SnapclassError ? error.code : 'unexpected_error';
  logger.error({ code }, error instanceof Error ? error.message : String(error));
  logger.debug({ err: error }, 'error details');
  process.exitCode = 1;
}

async function run(options: DataOptions, rootLogger: Logger, logger: Logger): Promise<void> {
  const env = process.env;
  const cwd = process.cwd();

  if (!options.force && !options.dir) {
    const located = locateFashionMnist({ env, cwd });
    if (located !== null && (await hasOfficialChecksums(located, logger))) {
      logger.info({ dir: located }, `Fashion-MNIST is ready at ${located} (all four SHA-256 verified)`);
      return;
    }
  }

  const targetDir = path.resolve(cwd, options.dir ?? (env.SNAPCLASS_DATA_DIR?.trim() || 'data/fashion-mnist'));
  const baseUrl = resolveDataUrl(env, options.url);
  logger.info({ baseUrl, targetDir }, 'downloading Fashion-MNIST');
  const files = await downloadFashionMnist({ baseUrl, targetDir, logger: rootLogger, force: options.force ?? false });

  // Loading parses every file, so the summary states real counts and a parse fault shows up now, not in training.
  const data = await loadFashionMnist(targetDir, { logger: rootLogger });
  const downloaded = files.filter((file) => file.status === 'downloaded').length;
  logger.info(
    { dir: targetDir, sha256: data.sha256, downloaded, present: files.length - downloaded },
    `Fashion-MNIST is ready at ${targetDir}: ${data.train.count} training and ${data.test.count} test images, ` +
      `${downloaded} files downloaded, ${files.length - downloaded} already present`,
  );
}

/** Hashes the four files in `dir` and logs each one whose SHA-256 is not the official one. */
async function hasOfficialChecksums(dir: string, logger: Logger): Promise<boolean> {
  let allMatch = true;
  for (const name of FASHION_MNIST_FILE_NAMES) {
    const file = await hashFile(path.join(dir, name));
    if (file?.sha256 !== FASHION_MNIST_SHA256[name]) {
      logger.warn(
        { dir, file: name, expectedSha256: FASHION_MNIST_SHA256[name], receivedSha256: file?.sha256 ?? null },
        `${name} in ${dir} does not have the official SHA-256, so a fresh copy will be downloaded`,
      );
      allMatch = false;
    }
  }
  return allMatch;
}
