/**
 * `mica-lab policy …`: the Mica policy front end from the command line (mica-spec.md §2).
 *
 *   policy check <file>                 decode a policy (text in dialect C or P, a POLY/PAYL
 *                                       binary or a 2184-byte record) and print it, or print
 *                                       every located error
 *   policy encode <file> --out <blob>   write the POLY v1 binary (§2.2.3); --page pads it to
 *                                       the 4 KiB upload page, --record writes the §4.2 record
 *   policy agree <file>...              upload the files in order through the agreement check
 *                                       (§2.5-§2.7); --source/--sanitiser add the §4.5 path
 *                                       search
 *
 * Exit codes: 0 success, 1 the policy or the agreement is refused, 2 usage or unreadable input.
 */
import {
  buildFlowGraph,
  checkAgreement,
  compilerLine,
  decodePolicyBinary,
  decodeRecord,
  describePolicy,
  encodePoly,
  encodeRecord,
  findUnsanitisedPath,
  formatRefusal,
  micaAbi,
  parsePolicy,
  toPolicyPage,
  type Policy,
  type RealmPolicy,
} from '../../policy/index.ts';
import type { CliCommand, CliIo } from '../types.ts';
import { textOfFile } from '../../lib/text-file.ts';
import { cannotRead, cannotWrite } from '../read-error.ts';
import { subcommandProblem } from '../../lib/suggest.ts';

const USAGE = 'policy check <file> | encode <file> --out <blob> | agree <file>...';
const FULL_USAGE = [
  'mica-lab policy check <file>',
  '       mica-lab policy encode <file> --out <blob.bin> [--page | --record]',
  '       mica-lab policy agree <file>... [--source <realm> [--sanitiser <realm>]...]',
].join('\n');

/** Outcome of loading one file: the policy, or lines to print and an exit code. */
type Loaded =
  | { readonly ok: true; readonly policy: Policy; readonly kind: string; readonly notes: string[] }
  | { readonly ok: false; readonly lines: string[]; readonly exit: 1 | 2 };

function looksBinary(bytes: Uint8Array): boolean {
  if (bytes.length >= 4) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    if (magic === micaAbi.POLY_MAGIC || magic === micaAbi.PAYL_MAGIC) return true;
  }
  return bytes.subarray(0, 64).some((b) => b === 0);
}

async function load(path: string, io: CliIo): Promise<Loaded> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch (err) {
    return { ok: false, lines: [`mica-lab policy: ${cannotRead(path, err)}`], exit: 2 };
  }
  if (looksBinary(bytes)) {
    const magic =
      bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : 0;
    if (
      bytes.length === micaAbi.RECORD_SIZE &&
      magic !== micaAbi.POLY_MAGIC &&
      magic !== micaAbi.PAYL_MAGIC
    ) {
      const r = decodeRecord(bytes);
      if (!r.ok) return { ok: false, lines: r.errors.map((e) => `${path}: ${e.message}`), exit: 1 };
      return {
        ok: true,
        policy: r.policy,
        kind: `${micaAbi.RECORD_SIZE}-byte parsed record (§4.2)`,
        notes: [],
      };
    }
    const r = decodePolicyBinary(bytes);
    const notes = r.warnings.map((w) => `${path}: warning: ${w.message}`);
    if (!r.ok)
      return {
        ok: false,
        lines: [...r.errors.map((e) => `${path}: ${e.message}`), ...notes],
        exit: 1,
      };
    const kind =
      r.format === 'POLY'
        ? `POLY v1 binary, ${r.length} bytes`
        : `legacy PAYL binary, ${r.length} bytes, translated to dialect C (§2.4); the current RMM refuses this magic`;
    return { ok: true, policy: r.policy, kind, notes };
  }
  const text = textOfFile(bytes);
  if (!text.ok)
    return {
      ok: false,
      lines: [`${path}: ${text.error}: a policy file is policy text or a POLY/PAYL binary (§2)`],
      exit: 1,
    };
  const r = parsePolicy(text.value);
  const notes = r.warnings.map((w) => compilerLine(path, w));
  if (!r.ok) {
    const errors = r.errors.map((e) => compilerLine(path, e));
    return { ok: false, lines: [...errors, ...notes], exit: 1 };
  }
  return { ok: true, policy: r.policy, kind: 'policy text', notes };
}

function realmName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.[^.]*$/, '') || base;
}

async function check(
  args: readonly string[],
  io: CliIo,
  usage: (m: string) => number,
): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) return usage('check takes exactly one <file>');
  const path = args[0]!;
  const r = await load(path, io);
  if (!r.ok) {
    (r.exit === 2 ? io.stderr : io.stdout)(r.lines.join('\n') + '\n');
    return r.exit;
  }
  io.stdout(`${path}: ${r.kind}\n`);
  if (r.notes.length) io.stdout(r.notes.join('\n') + '\n');
  io.stdout(describePolicy(r.policy));
  return 0;
}

async function encode(
  args: readonly string[],
  io: CliIo,
  usage: (m: string) => number,
): Promise<number> {
  let input: string | undefined;
  let out: string | undefined;
  let mode: 'poly' | 'page' | 'record' = 'poly';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--out') {
      out = args[++i];
      if (out === undefined) return usage('--out needs a value');
    } else if (a === '--page' || a === '--record') {
      if (mode !== 'poly') return usage('--page and --record exclude each other');
      mode = a === '--page' ? 'page' : 'record';
    } else if (a.startsWith('-')) return usage(`unknown option "${a}"`);
    else if (input === undefined) input = a;
    else return usage(`unexpected argument "${a}" (encode takes one <file>)`);
  }
  if (input === undefined) return usage('encode needs a <file>');
  if (out === undefined) return usage('encode needs --out <blob.bin>');
  const r = await load(input, io);
  if (!r.ok) {
    (r.exit === 2 ? io.stderr : io.stdout)(r.lines.join('\n') + '\n');
    return r.exit;
  }
  const encoded = mode === 'record' ? encodeRecord(r.policy) : encodePoly(r.policy);
  if (!encoded.ok) {
    io.stdout(
      encoded.errors.map((e) => `${input}: cannot encode ${e.field}: ${e.message}`).join('\n') +
        '\n',
    );
    return 1;
  }
  const bytes = mode === 'page' ? toPolicyPage(encoded.bytes) : encoded.bytes;
  if (!bytes) {
    io.stdout(`${input}: ${encoded.bytes.length} bytes do not fit one 4 KiB page\n`);
    return 1;
  }
  try {
    await io.writeFile(out, bytes);
  } catch (err) {
    io.stderr(`mica-lab policy: ${cannotWrite(out, err)}\n`);
    return 2;
  }
  const what =
    mode === 'record'
      ? 'parsed record (§4.2)'
      : mode === 'page'
        ? 'POLY v1 in a zeroed 4 KiB page'
        : 'POLY v1';
  if (r.notes.length) io.stdout(r.notes.join('\n') + '\n');
  io.stdout(`wrote ${bytes.length} bytes (${what}) to ${out}\n`);
  return 0;
}

async function agree(
  args: readonly string[],
  io: CliIo,
  usage: (m: string) => number,
): Promise<number> {
  const files: string[] = [];
  let source: string | undefined;
  const sanitisers: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--source' || a === '--sanitiser') {
      const v = args[++i];
      if (v === undefined) return usage(`${a} needs a realm name`);
      if (a === '--source') source = v;
      else sanitisers.push(v);
    } else if (a.startsWith('-')) return usage(`unknown option "${a}"`);
    else files.push(a);
  }
  if (files.length === 0) return usage('agree needs at least one <file>');
  if (sanitisers.length > 0 && source === undefined) return usage('--sanitiser needs --source');
  const set: RealmPolicy[] = [];
  let failed = 0;
  for (const path of files) {
    const r = await load(path, io);
    if (!r.ok) {
      (r.exit === 2 ? io.stderr : io.stdout)(r.lines.join('\n') + '\n');
      failed = Math.max(failed, r.exit);
      continue;
    }
    set.push({ name: realmName(path), policy: r.policy });
  }
  if (failed) return failed;
  const names = set.map((s) => s.name!);
  if (new Set(names).size !== names.length)
    return usage('two files have the same name; realms are named after their files');
  const result = checkAgreement(set);
  io.stdout(`upload order: ${names.join(', ')}\n`);
  for (const r of result.refusals) io.stdout(`refused ${r.realm}: ${formatRefusal(r)}\n`);
  if (result.ok) io.stdout(`agreement: all ${set.length} policies accepted\n`);
  let exit = result.ok ? 0 : 1;
  if (source !== undefined) {
    if (!names.includes(source))
      return usage(`--source "${source}" is not one of ${names.join(', ')}`);
    const flow = findUnsanitisedPath(buildFlowGraph(set), { source, sanitisers });
    if (flow.ok)
      io.stdout(
        `flow: every path from ${source} to U passes ${sanitisers.join(' or ') || '(no sanitiser)'}\n`,
      );
    else {
      io.stdout(`flow: ${flow.message}\n`);
      exit = 1;
    }
  }
  return exit;
}

/** The policy subcommand. */
export const POLICY_COMMAND: CliCommand = {
  name: 'policy',
  usage: USAGE,
  summary: 'check, encode (POLY v1) and cross-check Mica policies',
  async run(args, io) {
    const usage = (message: string): number => {
      io.stderr(`mica-lab policy: ${message}\nusage: ${FULL_USAGE}\n`);
      return 2;
    };
    const [sub, ...rest] = args;
    if (sub === 'check') return check(rest, io, usage);
    if (sub === 'encode') return encode(rest, io, usage);
    if (sub === 'agree') return agree(rest, io, usage);
    return usage(subcommandProblem(sub, ['check', 'encode', 'agree']));
  },
};
