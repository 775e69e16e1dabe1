/**
 * The CLI's I/O seam: every subcommand gets its arguments and an Io, so tests drive the
 * CLI in-process with strings and buffers, and bin/mica-lab.mjs wires the real process.
 */

/** What a subcommand may touch. */
export interface CliIo {
  /** Standard input as a stream of chunks (only read by commands that need it). */
  readonly stdin?: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<Uint8Array>;
  readonly writeFile: (path: string, data: Uint8Array | string) => Promise<void>;
  /** The entry names of a directory (`mica-lab run --all <dir>`); absent where there is none. */
  readonly readDir?: (path: string) => Promise<string[]>;
}

/** One `mica-lab <name>` subcommand. */
export interface CliCommand {
  readonly name: string;
  /** Usage line, e.g. `verify <token.cbor> [--cpak <jwk.json>] [--challenge <hex>]`. */
  readonly usage: string;
  /** One-line summary for `mica-lab --help`. */
  readonly summary: string;
  /** Runs the command; returns the process exit code. */
  readonly run: (args: readonly string[], io: CliIo) => Promise<number>;
}
