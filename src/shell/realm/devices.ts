/**
 * Realm device commands: `console` and `net send`. Both write the bytes into the device's
 * shared buffer (unprotected IPA: NS memory the host reads) and ring its MMIO doorbell (an
 * emulatable exit the host completes). Everything sent is host-visible (mica-spec.md §1.3);
 * labelled data sent this way is a leak the ledger records.
 */
import { hostRealm } from '../../emulator/index.ts';
import { parseAddr } from '../args.ts';
import { out, usageError, type ShellCommand, type UsageError } from '../types.ts';
import { GUEST_MAX_TRANSFER_BYTES } from './limits.ts';
import { resultLines, runOps, type RealmEnv } from './run.ts';

type Source = { text: string } | { from: { ipa: number; len: number } };

function parseSource(words: readonly string[]): Source | UsageError {
  const [first, second] = words;
  if (first === undefined) return usageError('missing <text> (or @<ipa> <len>)');
  if (first.startsWith('@')) {
    const ipa = parseAddr(first.slice(1), 'ipa');
    if (!ipa.ok) return usageError(ipa.error);
    const len = parseAddr(second, 'len');
    if (!len.ok) return usageError(len.error);
    if (len.value < 1 || len.value > GUEST_MAX_TRANSFER_BYTES) {
      return usageError(`<len> must be 1..${GUEST_MAX_TRANSFER_BYTES}`);
    }
    if (words.length > 2) return usageError(`unexpected argument "${words[2]}"`);
    return { from: { ipa: ipa.value, len: len.value } };
  }
  const text = words.join(' ') + '\n';
  if (text.length > GUEST_MAX_TRANSFER_BYTES) return usageError('the text is too long');
  return { text };
}

/** The realm device command family. */
export const DEVICE_COMMANDS: readonly ShellCommand<RealmEnv>[] = [
  {
    name: 'console',
    usage: '<text> | @<ipa> <len>',
    summary: 'print on the realm console (host-emulated: the host sees every byte)',
    help: [
      'console hello world',
      'console @0x4000 16      print 16 bytes of memory (a leak if labelled)',
    ],
    run(args, env) {
      const source = parseSource(args);
      if ('usageError' in source) return source;
      return runOps(env, [{ op: 'send', device: 'console', ...source }], (results) =>
        results.filter((r) => !r.ok).flatMap((r) => resultLines([r])),
      );
    },
  },
  {
    name: 'net',
    usage: 'send <text> | send @<ipa> <len>',
    summary: 'send a packet on the network device (only realms created with --net)',
    run([sub, ...rest], env) {
      if (sub !== 'send') return usageError('expected "send"');
      const realm = hostRealm(env.machine, env.realm);
      if (realm && !realm.net) {
        return [
          out.error('net: this realm has no network device.'),
          out.dim(
            '  Only realms created with "realm create <name> --net" get one; the console is the only way out here.',
          ),
        ];
      }
      const source = parseSource(rest);
      if ('usageError' in source) return source;
      return runOps(env, [{ op: 'send', device: 'net', ...source }], (results) =>
        results.map((r) =>
          r.ok ? out.ok(`net: sent ${r.values.bytes ?? '?'} bytes`) : resultLines([r])[0]!,
        ),
      );
    },
  },
];
