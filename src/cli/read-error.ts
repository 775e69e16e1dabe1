/**
 * Why the CLI could not read, write or list a file the user named, in one shape for every subcommand
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

/** Why a file-system call failed, in words when its code is a common one. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return REASONS[code];
  return error instanceof Error ? error.message : String(error);
}

/** `cannot read "<path>": <why>` for the error `readFile(path)` threw. */
export function cannotRead(path: string, error: unknown): string {
  return `cannot read "${path}": ${reasonOf(error)}`;
}

/** `cannot write "<path>": <why>` for the error `writeFile(path)` threw. */
export function cannotWrite(path: string, error: unknown): string {
  return `cannot write "${path}": ${reasonOf(error)}`;
}

/** `cannot list "<path>": <why>` for the error `readDir(path)` threw. */
export function cannotList(path: string, error: unknown): string {
  return `cannot list "${path}": ${reasonOf(error)}`;
}
