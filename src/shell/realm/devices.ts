/**
 * Realm device commands: `console`, `net send` and `net recv`. Sending writes the bytes into
 * the device's shared buffer (unprotected IPA: NS memory the host reads) and rings its MMIO
 * doorbell (an emulatable exit the host completes). Everything sent is host-visible
 * (mica-spec.md §1.3); labelled data sent this way is a leak the ledger records. Receiving
 * reads the network doorbell and copies the packet the VMM delivered into realm memory: the
 * tenant's input (mica-spec.md §5.1), labelled at the device, the lab's declared source.
 */
import { hostRealm } from '../../emulator/index.ts';
import { parseAddr } from '../args.ts';
import { badSubcommand, out, usageError, type ShellCommand, type UsageError } from '../types.ts';
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
        results.filter((r) => !r.ok).flatMap((r) => resultLines([r], 'console')),
      );
    },
  },
  {
    name: 'net',
    maxArgs: { recv: 1 },
    usage: 'send <text> | send @<ipa> <len> | recv <ipa>',
    summary: 'send or receive a packet on the network device (only realms created with --net)',
    help: [
      'net send hello                 a packet out (the host and the network see it)',
      'net recv 0x4000                the next packet the tenant sent, copied to 0x4000',
      'The tenant declares its input sensitive: received bytes arrive labelled (e.g. video).',
    ],
    run([sub, ...rest], env) {
      if (sub !== 'send' && sub !== 'recv') return badSubcommand(sub, ['send', 'recv']);
      const realm = hostRealm(env.machine, env.realm);
      if (realm && !realm.net) {
        return [
          out.error('net: this realm has no network device.'),
          out.dim(
            '  Only realms created with "realm create <name> --net" get one; the console is the only way out here.',
          ),
        ];
      }
      if (sub === 'recv') {
        const ipa = parseAddr(rest[0], 'ipa');
        if (!ipa.ok) return usageError(ipa.error);
        if (rest.length > 1) return usageError(`unexpected argument "${rest[1]}"`);
        // Whether the tenant had sent anything before the realm asks: nothing waiting is the
        // learner's first `net recv` in lesson 03-pipeline-cca/01, and the way is the host's.
        const waiting = (realm?.inbox?.length ?? 0) > 0;
        return runOps(env, [{ op: 'recv', ipa: ipa.value }], (results) =>
          results.flatMap((r) => {
            if (!r.ok && !waiting)
              return [
                ...resultLines([r]),
                out.dim(
                  `  The tenant's input comes from the host terminal: "tenant send ${env.realm} <hex|"text">" queues a packet here.`,
                ),
              ];
            if (!r.ok) return resultLines([r]);
            const labels = r.labels?.length ? `, labelled ${r.labels.join(', ')}` : '';
            return [out.ok(`net: received ${r.values.bytes ?? '?'} bytes at ${rest[0]}${labels}`)];
          }),
        );
      }
      const source = parseSource(rest);
      if ('usageError' in source) return source;
      return runOps(env, [{ op: 'send', device: 'net', ...source }], (results) =>
        results.map((r) =>
          r.ok
            ? out.ok(`net: sent ${r.values.bytes ?? '?'} bytes`)
            : resultLines([r], 'net send')[0]!,
        ),
      );
    },
  },
];
