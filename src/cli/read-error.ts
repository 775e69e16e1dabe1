/**
 * Why the CLI could not read a file the user named, in one shape for every subcommand
 * (lab-ux.md §0: every bad input gets a clear located message): `cannot read "x": no such
 * file or directory`. Node's error text repeats the path and leads with its code
 * (`Error: ENOENT: no such file or directory, open 'x'`); the common codes are said in words.
 */

/** Words for the file-system error codes a mistyped or misplaced path gives. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** `cannot read "<path>": <why>` for the error `readFile(path)` threw. */
export function cannotRead(path: string, error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const reason =
    typeof code === 'string' && REASONS[code] !== undefined
      ? REASONS[code]
      : error instanceof Error
        ? error.message
        : String(error);
  return `cannot read "${path}": ${reason}`;
}
