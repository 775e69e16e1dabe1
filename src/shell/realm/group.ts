/**
 * Mica group attestation from inside a realm (mica-spec.md §4.3-§4.4): `attest group
 * <challenge|random>` and `policy blob[s] [--hex]`. Both are what the modified guest TSM
 * driver does: RSI_ATTEST_TOKEN_INIT_GROUP with the 64-byte challenge in X1..X8, then
 * RSI_ATTEST_TOKEN_CONTINUE_GROUP into the token page chunk by chunk (INCOMPLETE while bytes
 * remain, SUCCESS after), reading each chunk back. The stream is the CCA token followed by one
 * 2184-byte policy blob per group member, caller first; the blobs are outside the signature.
 *
 * Design rationale: the calls are plain `smc` and `read` guest operations (the RSI numbers are
 * Mica's, so the emulator's guest model does not know them). INIT_GROUP runs first because its
 * X1 (stream length) sizes the CONTINUE loop. `attest group` hands the token and blobs to the
 * host (`state.host.groupTokens`, as `attest` records `lastToken`); `policy blob[s]` only shows
 * the blobs, decoded as the guest driver's `cca_policies/payloadN` files (§4.4).
 */
import { fromHex, readLe, toHex } from '../../lib/bytes.ts';
import { abi, guestMap, recordGroupToken, type GuestOp } from '../../emulator/index.ts';
import {
  decodeRecord,
  formatPolicyText,
  micaAbi,
  micaOf,
  splitGroupStream,
} from '../../policy/index.ts';
import { out, usageError, type OutputLine, type UsageError } from '../types.ts';
import { parseChallenge } from './challenge.ts';
import { runOps, type RealmEnv } from './run.ts';

const BUFFER = guestMap.GUEST_TOKEN_IPA;
/** Hex bytes per line of a `--hex` dump. */
const HEX_LINE_BYTES = 32;

/** What a group request produced: the stream split, or the lines saying why not. */
type GroupStream =
  | { ok: true; token: Uint8Array; blobs: Uint8Array[]; lines: OutputLine[] }
  | { ok: false; lines: OutputLine[] };

/** X0 of an SMC nobody implements (SMCCC: -1). */
const SMCCC_NOT_SUPPORTED = 0xffffffffffffffffn;

const x = (v: bigint | number) => '0x' + BigInt(v).toString(16);

/** INIT_GROUP with `challenge`, then the CONTINUE_GROUP loop; the stream as the realm read it. */
export function requestGroupStream(
  env: RealmEnv,
  challenge: Uint8Array,
  command = 'attest group',
): GroupStream {
  const words = Array.from({ length: 8 }, (_, i) => x(readLe(challenge, i * 8, 8)));
  let init: { x0: bigint; total: number; count: number } | undefined;
  const lines = runOps(
    env,
    [{ op: 'smc', fid: micaAbi.SMC_RSI_ATTEST_TOKEN_INIT_GROUP, args: words }],
    (results) => {
      const r = results.find((e) => e.op === 'smc');
      if (!r) return [out.error(`${command}: the realm made no call`)];
      const v = (k: string) => Number(BigInt(r.values[k] ?? '0x0'));
      init = { x0: BigInt(r.values.x0 ?? '0x0'), total: v('x1'), count: v('x2') };
      return [];
    },
  );
  if (!init) return { ok: false, lines };
  if (init.x0 !== BigInt(abi.RSI_SUCCESS)) {
    const unknown = init.x0 === SMCCC_NOT_SUPPORTED;
    const name = unknown
      ? 'SMCCC_NOT_SUPPORTED'
      : (abi.RSI_STATUS_NAMES[Number(init.x0)] ?? x(init.x0));
    const hint = unknown ? ' (no Mica monitor on this machine: CCA alone has no group token)' : '';
    return {
      ok: false,
      lines: [...lines, out.error(`${command}: RSI_ATTEST_TOKEN_INIT_GROUP: ${name}${hint}`)],
    };
  }
  // The driver touches its buffer first, so the page is RAM the RMM can write (the host maps
  // a guest's RAM on first touch).
  const ops: GuestOp[] = [{ op: 'read', ipa: BUFFER, len: 1 }];
  for (let at = 0; at < init.total; at += abi.GRANULE_SIZE) {
    ops.push({
      op: 'smc',
      fid: micaAbi.SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP,
      args: [x(BUFFER), '0x0', x(abi.GRANULE_SIZE)],
    });
    ops.push({ op: 'read', ipa: BUFFER, len: Math.min(abi.GRANULE_SIZE, init.total - at) });
  }
  ops.push({
    op: 'smc',
    fid: micaAbi.SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP,
    args: [x(BUFFER), '0x0', x(abi.GRANULE_SIZE)],
  });
  const count = init.count;
  const total = init.total;
  let stream: Uint8Array | undefined;
  let error: string | undefined;
  const more = runOps(env, ops, (results) => {
    const chunks: string[] = [];
    for (const r of results.slice(1)) {
      if (!r.ok) error ??= `${r.op}: ${r.error ?? r.status ?? 'failed'}`;
      if (r.op === 'read' && r.data) chunks.push(r.data);
    }
    const calls = results.filter((r) => r.op === 'smc');
    calls.forEach((r, i) => {
      const x0 = Number(BigInt(r.values.x0 ?? '0x0'));
      const want = i === calls.length - 1 ? abi.RSI_SUCCESS : abi.RSI_INCOMPLETE;
      if (x0 !== want)
        error ??= `RSI_ATTEST_TOKEN_CONTINUE_GROUP call ${i + 1} returned ${abi.RSI_STATUS_NAMES[x0] ?? x(x0)}, expected ${abi.RSI_STATUS_NAMES[want] ?? want}`;
    });
    stream = fromHex(chunks.join('')) ?? new Uint8Array(0);
    return [];
  });
  if (error || !stream || stream.length !== total)
    return {
      ok: false,
      lines: [
        ...lines,
        ...more,
        out.error(`${command}: ${error ?? `read ${stream?.length ?? 0} of ${total} bytes`}`),
      ],
    };
  const split = splitGroupStream(stream, count);
  return {
    ok: true,
    ...split,
    lines: [
      ...lines,
      ...more,
      out.dim(
        `  [guest] INIT_GROUP: ${total} bytes for ${count} member(s); ${Math.ceil(total / abi.GRANULE_SIZE) + 1} CONTINUE_GROUP calls into ${x(BUFFER)}`,
      ),
    ],
  };
}

/** The name the blob gives its own realm (its Self VM) and the realm the monitor bound it to. */
function selfOf(env: RealmEnv, blob: Uint8Array): string {
  const d = decodeRecord(blob);
  if (!d.ok) return '?';
  const vm = d.policy.vms[d.policy.self];
  if (!vm) return '?';
  const m = micaOf(env.machine.state);
  const rd = m?.registry.find((e) => e.hash === vm.hash)?.rd;
  const realm = rd === undefined ? undefined : m?.realms['0x' + rd.toString(16)]?.name;
  return `${vm.name}, hash 0x${vm.hash.toString(16)}${realm ? ` (${realm})` : ''}`;
}

/** `attest group <challenge|random>`: request the group token and hand it to the host. */
export function attestGroup(env: RealmEnv, args: readonly string[]): OutputLine[] | UsageError {
  const [word, extra] = args;
  const challenge = parseChallenge(word);
  if (!challenge.ok) return usageError(challenge.error);
  if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
  const r = requestGroupStream(env, challenge.value);
  if (!r.ok) return r.lines;
  recordGroupToken(env.machine.state, env.realm, r.token, r.blobs, challenge.value);
  return [
    ...r.lines,
    out.ok(
      `attest group: RSI_SUCCESS, group token of ${r.token.length} bytes + ${r.blobs.length} policy blob(s) of ${micaAbi.GROUP_BLOB_SIZE} bytes`,
    ),
    ...r.blobs.map((b, i) =>
      out.line(`  blob ${i}  ${selfOf(env, b)}${i === 0 ? ', this realm' : ''}`),
    ),
    out.dim(`  challenge: ${toHex(challenge.value)}`),
    out.dim(
      '  handed to the host as "last": the host terminal\'s "mica verify last" checks it (§4.5)',
    ),
  ];
}

/** One blob as `cca_policies/payload<i>` shows it: decoded text, or hex with `hex`. */
function blobLines(blob: Uint8Array, i: number, hex: boolean): OutputLine[] {
  const head = out.accent(`cca_policies/payload${i} (${blob.length} bytes):`);
  if (hex) {
    const lines = [head];
    for (let at = 0; at < blob.length; at += HEX_LINE_BYTES)
      lines.push(
        out.line(
          `  ${at.toString(16).padStart(4, '0')}  ${toHex(blob.subarray(at, at + HEX_LINE_BYTES))}`,
        ),
      );
    return lines;
  }
  const d = decodeRecord(blob);
  if (!d.ok) return [head, out.line(`{ "raw_policy_hex": "${toHex(blob)}" }`)];
  return [
    head,
    ...formatPolicyText(d.policy)
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => out.line(l)),
  ];
}

/**
 * `policy blob [--hex]` (payload0, this realm's own record) and `policy blobs [--hex]` (every
 * member's): one group report with a zero nonce, the token itself not kept.
 */
export function policyBlobs(
  env: RealmEnv,
  all: boolean,
  args: readonly string[],
): OutputLine[] | UsageError {
  let hex = false;
  for (const a of args) {
    if (a === '--hex') hex = true;
    else return usageError(`unknown option "${a}" (only --hex)`);
  }
  const r = requestGroupStream(
    env,
    new Uint8Array(abi.CCA_REALM_CHALLENGE_SIZE),
    all ? 'policy blobs' : 'policy blob',
  );
  if (!r.ok) return r.lines;
  const blobs = all ? r.blobs : r.blobs.slice(0, 1);
  const own = r.blobs[0];
  const empty = own !== undefined && own.every((b) => b === 0);
  return [
    ...r.lines,
    ...blobs.flatMap((b, i) => blobLines(b, i, hex)),
    ...(empty
      ? [out.warn('  payload0 is all zeros: this realm has not uploaded a policy yet')]
      : []),
    out.dim(
      all
        ? `  ${r.blobs.length} member(s) the RMM found through the SGT, caller first (mica-spec.md §4.3 step 1)`
        : '  "policy blobs" shows every member of the group',
    ),
  ];
}
