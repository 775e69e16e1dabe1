/**
 * Realm memory commands: `mem read|write`, `copy`, `label`. Every byte moves as the guest's
 * own loads and stores at IPAs, through stage 2 (cca-spec.md §3.4): private RAM below
 * 2^(w-1), host-visible memory above. `label` marks bytes as sensitive input; labels follow
 * the data when it is copied, and the ledger reports it if it reaches the host.
 */
import { fromHex, hexdump, toHex } from '../../lib/bytes.ts';
import { GUEST_MAX_TRANSFER_BYTES } from './limits.ts';
import { parseAddr, parseData } from '../args.ts';
import { out, usageError, type ShellCommand } from '../types.ts';
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
    usage: 'read <ipa> [len] | write <ipa> <hex|"text"> [--label <name>]',
    summary: 'load or store bytes at an IPA (through stage 2)',
    help: [
      'mem read 0x0 64                   the first bytes of the image',
      'mem write 0x4000 "hello"          private RAM: only this realm can read it',
      'mem write 0x4000 "pin" --label secret   mark the bytes as sensitive input',
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
        let label: string | undefined;
        if (rest[1] !== undefined) {
          if (rest[1] !== '--label' || rest[2] === undefined) {
            return usageError(`unexpected "${rest[1]}" (only --label <name> may follow the data)`);
          }
          label = rest[2];
        }
        if (data.value.length > GUEST_MAX_TRANSFER_BYTES) {
          return usageError(`at most ${GUEST_MAX_TRANSFER_BYTES} bytes at once`);
        }
        const op = {
          op: 'write' as const,
          ipa: ipa.value,
          data: toHex(data.value),
          ...(label ? { label } : {}),
        };
        return runOps(env, [op], resultLines);
      }
      return usageError('expected "read" or "write"');
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
  {
    name: 'label',
    usage: '<ipa> <len> <name>',
    summary: 'mark bytes as sensitive input (a provenance label)',
    help: ['label 0x4000 16 video      the 16 bytes at 0x4000 are now "video"'],
    run([ipaWord, lenWord, name, extra], env) {
      const ipa = parseAddr(ipaWord, 'ipa');
      if (!ipa.ok) return usageError(ipa.error);
      const len = parseLen(lenWord, 'len');
      if (!len.ok) return usageError(len.error);
      if (name === undefined || !/^[a-z][a-z0-9_-]*$/i.test(name)) {
        return usageError('<name> must be a word like video or prompt');
      }
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      return runOps(
        env,
        [{ op: 'label', ipa: ipa.value, len: len.value, label: name }],
        resultLines,
      );
    },
  },
];
