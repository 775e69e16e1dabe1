/**
 * Realm memory commands: `mem read|write`, `copy`. Every byte moves as the guest's own loads
 * and stores at IPAs, through stage 2 (cca-spec.md §3.4): private RAM below 2^(w-1),
 * host-visible memory above. Software in a realm cannot set or clear a provenance label
 * (mica-spec.md §1.3, issue 10): labels are born at a declared source (`net recv` of the
 * tenant's packet) and follow the data when it is copied; the ledger reports it if labelled
 * data reaches the host. Literal bytes a command writes carry no label.
 */
import { fromHex, hexdump, toHex } from '../../lib/bytes.ts';
import { GUEST_MAX_TRANSFER_BYTES } from './limits.ts';
import { parseAddr, parseData } from '../args.ts';
import { badSubcommand, out, usageError, type ShellCommand } from '../types.ts';
import { resultLines, runOps, type RealmEnv } from './run.ts';

/** Default read length. */
const DEFAULT_READ = 64;

function parseLen(word: string | undefined, what: string, fallback?: number) {
  if (word === undefined && fallback !== undefined) return { ok: true as const, value: fallback };
  const v = parseAddr(word, what);
  if (!v.ok) return v;
  if (v.value < 1 || v.value > GUEST_MAX_TRANSFER_BYTES) {
    return { ok: false as const, error: `<${what}> must be 1..${GUEST_MAX_TRANSFER_BYTES}` };
  }
  return v;
}

/** The realm memory command family. */
export const MEMORY_COMMANDS: readonly ShellCommand<RealmEnv>[] = [
  {
    name: 'mem',
    maxArgs: { read: 2 },
    usage: 'read <ipa> [len] | write <ipa> <hex|"text">',
    summary: 'load or store bytes at an IPA (through stage 2)',
    help: [
      'mem read 0x0 64                   the first bytes of the image',
      'mem write 0x4000 "hello"          private RAM: only this realm can read it',
      'Written bytes carry no label: sensitive input arrives labelled (see net recv).',
      'Unmapped RAM makes the host map a page first; RIPAS EMPTY gives an SEA.',
    ],
    run(args, env, meta) {
      const [sub, ipaWord, ...rest] = args;
      const ipa = parseAddr(ipaWord, 'ipa');
      if (sub === 'read') {
        if (!ipa.ok) return usageError(ipa.error);
        const len = parseLen(rest[0], 'len', DEFAULT_READ);
        if (!len.ok) return usageError(len.error);
        return runOps(env, [{ op: 'read', ipa: ipa.value, len: len.value }], (results) =>
          results.flatMap((r) => {
            if (!r.ok) return resultLines([r]);
            const bytes = fromHex(r.data ?? '') ?? new Uint8Array(0);
            const lines = hexdump(bytes, ipa.value).map((l) => out.line(l));
            if (r.labels?.length) lines.push(out.warn(`  labels: ${r.labels.join(', ')}`));
            return lines;
          }),
        );
      }
      if (sub === 'write') {
        if (!ipa.ok) return usageError(ipa.error);
        const data = parseData(rest[0], meta.quoted[2] ?? false);
        if (!data.ok) return usageError(data.error);
        if (rest[1] !== undefined) {
          return usageError(
            `unexpected "${rest[1]}" (a program cannot label its data: labels come from a declared source)`,
          );
        }
        if (data.value.length > GUEST_MAX_TRANSFER_BYTES) {
          return usageError(`at most ${GUEST_MAX_TRANSFER_BYTES} bytes at once`);
        }
        return runOps(env, [{ op: 'write', ipa: ipa.value, data: toHex(data.value) }], resultLines);
      }
      return badSubcommand(sub, ['read', 'write']);
    },
  },
  {
    name: 'copy',
    usage: '<src> <dst> <len>',
    summary: 'copy bytes between IPAs (labels travel with the data)',
    help: [
      'copy 0x4000 0x5000 16              private to private',
      'copy 0x4000 <unprotected IPA> 16  into host-visible memory: a leak if labelled',
    ],
    run([srcWord, dstWord, lenWord, extra], env) {
      const src = parseAddr(srcWord, 'src');
      if (!src.ok) return usageError(src.error);
      const dst = parseAddr(dstWord, 'dst');
      if (!dst.ok) return usageError(dst.error);
      const len = parseLen(lenWord, 'len');
      if (!len.ok) return usageError(len.error);
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      return runOps(
        env,
        [{ op: 'copy', src: src.value, dst: dst.value, len: len.value }],
        resultLines,
      );
    },
  },
];
