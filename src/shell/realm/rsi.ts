/**
 * Realm RSI commands (cca-spec.md §4.1, §5.6, §6): `measure`, `attest`, `config`,
 * `ipa-state`, `hostcall`, and the raw `smc` / `hvc`. Each is the guest calling the RMM
 * with SMC #0 from inside the realm; the output is what the realm gets back.
 */
import { fromHex, toHex } from '../../lib/bytes.ts';
import {
  ATTESTATION_CODE,
  abi,
  hostRealm,
  recordToken,
  type GuestOp,
} from '../../emulator/index.ts';
import { parseAddr, parseData, parseU64 } from '../args.ts';
import { badSubcommand, out, usageError, type OutputLine, type ShellCommand } from '../types.ts';
import { parseChallenge } from './challenge.ts';
import { attestGroup } from './group.ts';
import { resultLines, runOps, type RealmEnv } from './run.ts';

const MEASUREMENT_NAMES = ['RIM', 'REM0', 'REM1', 'REM2', 'REM3'];

/** Significant hex of a 64-byte measurement for the realm's hash algorithm. */
function significant(env: RealmEnv, hex: string): string {
  const realm = hostRealm(env.machine, env.realm);
  return realm?.hashAlgo === 'sha-512' ? hex : hex.slice(0, 64);
}

function tokenSummary(token: Uint8Array, challenge: Uint8Array): OutputLine[] {
  // The realm's own look at what it got (anchor and challenge, no reference values): a
  // sanity check, not the relying party's verdict, which "attest verify last" gives.
  const { verifyCcaToken, TEST_CPAK_PUBLIC } = ATTESTATION_CODE.get();
  const report = verifyCcaToken(token, { cpak: TEST_CPAK_PUBLIC, challenge });
  const claims = report.realm;
  const lines: OutputLine[] = [
    out.ok(
      `attest: RSI_SUCCESS, CCA token of ${token.length} bytes (tag 399: platform + realm token)`,
    ),
  ];
  if (claims?.challenge)
    lines.push(out.line(`  challenge  ${toHex(claims.challenge).slice(0, 32)}...`));
  if (claims?.rim) lines.push(out.line(`  RIM        ${toHex(claims.rim)}`));
  claims?.rems?.forEach((rem, i) => lines.push(out.line(`  REM${i}       ${toHex(rem)}`)));
  if (claims?.hashAlgo) lines.push(out.line(`  hash algo  ${claims.hashAlgo}`));
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push(
    (failed === 0 ? out.dim : out.warn)(
      `  self-check: ${report.verdict === 'fail' ? `${failed} check(s) fail` : 'signatures, binding and challenge verify'}`,
    ),
  );
  lines.push(
    out.dim(
      '  kept as "last" with its challenge: the host terminal\'s "attest verify last" appraises it',
    ),
  );
  return lines;
}

/**
 * A measurement index (DEN0137 B5.3.7-8: 0 is the RIM, 1..4 are REM0..REM3). The numbering is
 * off by one from the REMs' names, so a wrong index says which measurement each one is: a
 * learner told to extend REM0 types 0 first.
 */
function indexArg(
  word: string | undefined,
  min: number,
): { ok: true; value: number } | { ok: false; error: string } {
  const v = parseU64(word, 'index');
  if (!v.ok) return v;
  if (v.value < BigInt(min) || v.value > 4n) {
    const meaning =
      min === 0
        ? '0 is the RIM, 1..4 are REM0..REM3'
        : '1 extends REM0, 2 REM1, 3 REM2, 4 REM3; index 0, the RIM, is frozen at activation';
    return { ok: false, error: `<index> must be ${min}..4 (${meaning}), not ${word}` };
  }
  return { ok: true, value: Number(v.value) };
}

/** The realm RSI command family. */
export const RSI_SHELL_COMMANDS: readonly ShellCommand<RealmEnv>[] = [
  {
    name: 'measure',
    maxArgs: { read: 1, extend: 2 },
    textLast: ['extend'],
    usage: 'read [index] | extend <index> <hex|"text">',
    summary: 'RSI_MEASUREMENT_READ / EXTEND (0 = RIM, 1..4 = REM0..REM3)',
    help: [
      'measure read              RIM and the four REMs',
      'measure read 1            REM0 only',
      'measure extend 1 "v1.2"   REM0 := H(REM0 || "v1.2")',
    ],
    run([sub, indexWord, dataWord], env, meta) {
      if (sub === 'read') {
        const indices = indexWord === undefined ? [0, 1, 2, 3, 4] : undefined;
        const one = indexWord === undefined ? undefined : indexArg(indexWord, 0);
        if (one && !one.ok) return usageError(one.error);
        const list = indices ?? [one!.ok ? one!.value : 0];
        const ops: GuestOp[] = list.map((index) => ({ op: 'measure-read', index }));
        return runOps(env, ops, (results) =>
          results.map((r, i) =>
            r.ok
              ? out.line(
                  `${(MEASUREMENT_NAMES[list[i] ?? 0] ?? '').padEnd(5)} ${significant(env, r.data ?? '')}`,
                )
              : out.error(`measure read: ${r.status ?? ''} ${r.error ?? ''}`),
          ),
        );
      }
      if (sub === 'extend') {
        const index = indexArg(indexWord, 1);
        if (!index.ok) return usageError(index.error);
        const data = parseData(dataWord, meta.quoted[2] ?? false);
        if (!data.ok) return usageError(data.error);
        if (data.value.length > abi.RSI_MEASUREMENT_EXTEND_MAX_SIZE) {
          return usageError(`at most ${abi.RSI_MEASUREMENT_EXTEND_MAX_SIZE} bytes per extend`);
        }
        return runOps(
          env,
          [
            { op: 'measure-extend', index: index.value, data: toHex(data.value) },
            { op: 'measure-read', index: index.value },
          ],
          (results) => {
            const [ext, read] = results;
            if (!ext?.ok) return resultLines(results.slice(0, 1));
            return [
              out.ok(`measure extend: ${ext.status ?? ''}`),
              out.line(
                `${MEASUREMENT_NAMES[index.value] ?? ''}  ${significant(env, read?.data ?? '')}`,
              ),
            ];
          },
        );
      }
      return badSubcommand(sub, ['read', 'extend']);
    },
  },
  {
    name: 'attest',
    usage: '<challenge-hex|random> | group <challenge-hex|random>',
    summary:
      'get a CCA attestation token (RSI_ATTESTATION_TOKEN_INIT / CONTINUE), or a Mica group token',
    help: [
      'attest group random       Mica: RSI_ATTEST_TOKEN_INIT_GROUP / CONTINUE_GROUP, the token for',
      '                          every realm connected through shared pages plus their policy blobs;',
      '                          kept for the host terminal\'s "mica verify last" (mica-spec.md §4.3)',
      'The challenge (up to 64 bytes, zero-padded) goes in X1..X8 of TOKEN_INIT; CONTINUE',
      'copies the token into realm memory chunk by chunk. The token and its challenge are kept',
      'as "last" so the host terminal can appraise it: "attest verify last".',
    ],
    run([word, extra, ...more], env) {
      if (word === 'group')
        return attestGroup(
          env,
          [extra, ...more].filter((w) => w !== undefined),
        );
      const challenge = parseChallenge(word);
      if (!challenge.ok) return usageError(challenge.error);
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      return runOps(env, [{ op: 'attest', challenge: toHex(challenge.value) }], (results) =>
        results.flatMap((r) => {
          if (!r.ok) return resultLines([r]);
          const token = fromHex(r.data ?? '') ?? new Uint8Array(0);
          if (token.length === 0) {
            return [out.error('attest: RSI_SUCCESS but the realm read back no token bytes')];
          }
          recordToken(env.machine.state, env.realm, token, challenge.value);
          return [
            ...tokenSummary(token, challenge.value),
            out.dim(
              `  (${r.values.calls ?? '?'} RSI_ATTESTATION_TOKEN_CONTINUE calls, upper bound ${r.values.max_size ?? '?'} bytes)`,
            ),
            out.dim(`  challenge: ${toHex(challenge.value)}`),
          ];
        }),
      );
    },
  },
  {
    name: 'config',
    usage: '',
    summary: 'RSI_REALM_CONFIG: IPA width, hash algorithm, RPV',
    run(args, env) {
      if (args.length > 0) return usageError('config takes no arguments');
      return runOps(env, [{ op: 'config' }], (results) =>
        results.flatMap((r) => {
          if (!r.ok) return resultLines([r]);
          const algo = r.values.hash_algo === String(abi.RSI_HASH_SHA_512) ? 'SHA-512' : 'SHA-256';
          const rpv = fromHex(r.values.rpv ?? '') ?? new Uint8Array(0);
          const text = new TextDecoder().decode(rpv).replace(/\0+$/, '');
          return [
            out.ok('config: RSI_SUCCESS'),
            out.line(
              `  ipa_width  ${r.values.ipa_width ?? ''} (protected IPAs below 2^${Number(r.values.ipa_width ?? 1) - 1})`,
            ),
            out.line(`  hash_algo  ${r.values.hash_algo ?? ''} (${algo})`),
            out.line(
              `  rpv        ${toHex(rpv).replace(/(00)+$/, '') || '0'}${/^[\x20-\x7e]+$/.test(text) ? ` ("${text}")` : ''}`,
            ),
          ];
        }),
      );
    },
  },
  {
    name: 'ipa-state',
    maxArgs: { get: 2, set: 4 },
    usage: 'get <base> <top> | set <base> <top> ram|empty [--destroyed]',
    summary: 'RSI_IPA_STATE_GET / SET: read or request RIPAS for a range',
    help: [
      'ipa-state get 0x0 0x10000',
      'ipa-state set 0x6000 0x7000 empty    share the page with the host (its alias becomes usable)',
      'ipa-state set 0x6000 0x7000 ram      take it back',
    ],
    run([sub, baseWord, topWord, ripasWord, flag], env) {
      if (sub !== 'get' && sub !== 'set') return badSubcommand(sub, ['get', 'set']);
      const base = parseAddr(baseWord, 'base');
      if (!base.ok) return usageError(base.error);
      const top = parseAddr(topWord, 'top');
      if (!top.ok) return usageError(top.error);
      if (sub === 'get') {
        return runOps(env, [{ op: 'ipa-state-get', base: base.value, top: top.value }], (results) =>
          results.map((r) =>
            r.ok
              ? out.ok(
                  `ipa-state get: ${r.status ?? ''} out_top=${r.values.out_top ?? ''} ripas=${['EMPTY', 'RAM', 'DESTROYED'][Number(r.values.ripas)] ?? r.values.ripas}`,
                )
              : out.error(`ipa-state get: ${r.status ?? ''} ${r.error ?? ''}`),
          ),
        );
      }
      const ripas =
        ripasWord === 'ram' ? abi.RSI_RAM : ripasWord === 'empty' ? abi.RSI_EMPTY : undefined;
      if (ripas === undefined) return usageError('the RIPAS must be "ram" or "empty"');
      if (flag !== undefined && flag !== '--destroyed')
        return usageError(`unknown option "${flag}"`);
      const flags = flag ? abi.RSI_CHANGE_DESTROYED : abi.RSI_NO_CHANGE_DESTROYED;
      return runOps(
        env,
        [{ op: 'ipa-state-set', base: base.value, top: top.value, ripas, flags }],
        resultLines,
      );
    },
  },
  {
    name: 'hostcall',
    usage: '<imm> [reg...]',
    summary: 'RSI_HOST_CALL: pass registers to the host (each a number or @<ipa>)',
    help: [
      'hostcall 7 0x1 0x2        the host sees imm 7, x0=1, x1=2 (and answers)',
      'hostcall 7 @0x4000        x0 = 8 bytes loaded from 0x4000: host-visible!',
    ],
    run([immWord, ...regWords], env) {
      const imm = parseU64(immWord, 'imm');
      if (!imm.ok) return usageError(imm.error);
      if (imm.value > 0xffffn) return usageError('<imm> is 16 bits');
      if (regWords.length > 31) return usageError('at most 31 registers');
      const regs = [];
      for (const [i, w] of regWords.entries()) {
        if (w.startsWith('@')) {
          const at = parseAddr(w.slice(1), `reg${i}`);
          if (!at.ok) return usageError(at.error);
          regs.push({ from: at.value });
        } else {
          const v = parseU64(w, `reg${i}`);
          if (!v.ok) return usageError(v.error);
          regs.push({ value: '0x' + v.value.toString(16) });
        }
      }
      return runOps(env, [{ op: 'hostcall', imm: Number(imm.value), regs }], resultLines);
    },
  },
  {
    name: 'smc',
    usage: '<fid> [x1 ...]',
    summary: 'a raw SMC from the realm (RSI, PSCI or anything else)',
    help: [
      'smc 0xc4000190 0x10000    RSI_VERSION',
      'smc 0x80000000           SMCCC_VERSION',
      'smc 0xc4000150           an RMI FID: not for realms',
    ],
    run([fidWord, ...rest], env) {
      const fid = parseU64(fidWord, 'fid');
      if (!fid.ok) return usageError(fid.error);
      const args: string[] = [];
      for (const [i, w] of rest.entries()) {
        const v = parseU64(w, `x${i + 1}`);
        if (!v.ok) return usageError(v.error);
        args.push('0x' + v.value.toString(16));
      }
      if (args.length > abi.SMC_REGISTER_COUNT - 1) return usageError('too many registers');
      return runOps(env, [{ op: 'smc', fid: Number(fid.value & 0xffffffffn), args }], (results) =>
        results.map((r) => {
          const x0 = BigInt(r.values.x0 ?? '0');
          const name = abi.RSI_STATUS_NAMES[Number(x0)];
          const note =
            x0 === 0xffffffffffffffffn
              ? ' (SMCCC_NOT_SUPPORTED)'
              : name
                ? ` (${name} if an RSI call)`
                : '';
          return out.ok(
            `smc: x0=${r.values.x0 ?? ''}${note} x1=${r.values.x1 ?? ''} x2=${r.values.x2 ?? ''} x3=${r.values.x3 ?? ''}`,
          );
        }),
      );
    },
  },
  {
    name: 'hvc',
    usage: '',
    summary: 'execute HVC (there is no hypervisor to call from a realm)',
    run(args, env) {
      if (args.length > 0) return usageError('hvc takes no arguments');
      return runOps(env, [{ op: 'hvc' }], resultLines);
    },
  },
];
