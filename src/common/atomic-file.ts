import { randomUUID } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";

export class DirectoryError extends Error {
  override name = "DirectoryError";
}

/**
 * Creates `dir` (and its parents) with `mode` if it is missing; throws a DirectoryError naming the
 * directory when it cannot be created, is not a directory or is not writable.
 */
export function ensureDirectory(dir: string, mode = 0o700): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR" ? "is not a directory" : `cannot be created (${code})`;
    throw new DirectoryError(`${dir} ${why}`);
  }
  if (!statSync(dir).isDirectory()) throw new DirectoryError(`${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new DirectoryError(`${dir} is not writable`);
  }
}

/**
 * Replaces `path` atomically: a temp file in the same directory, then a rename, so a reader never
 * sees half a file. The directory is created (mode 0700) when missing.
 */
export function writeFileAtomic(path: string, data: string, opts: { mode?: number } = {}): void {
  ensureDirectory(dirname(path));
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    writeFileSync(temp, data, { encoding: "utf8", ...(opts.mode !== undefined && { mode: opts.mode }) });
    if (opts.mode !== undefined) chmodSync(temp, opts.mode); // the umask may have narrowed it
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
