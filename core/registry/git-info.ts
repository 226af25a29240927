import { execFileSync } from 'node:child_process';

/** The current git commit and whether the work tree has uncommitted changes. */
export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

/**
 * Reads the commit of HEAD and the dirty flag in `cwd`. Both are null outside a git work
 * tree or without a `git` executable, so a model trained from a tarball still registers.
 */
export function readGitInfo(cwd = process.cwd()): GitInfo {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}
