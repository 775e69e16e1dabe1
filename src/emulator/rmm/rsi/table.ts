/**
 * The built-in RSI command table (DEN0137 B5.3; cca-spec.md §4.1), one row per command, and
 * the handler the machine puts in the realm SMC chain after the extensions' handlers
 * (hooks.ts `rsi`). PSCI, RSI_IPA_STATE_SET and RSI_HOST_CALL are part of the REC exit
 * protocol and are handled by realm-calls.ts before this table is consulted. Every call of
 * a table command is a pair of ledger events (`smc:call` from the realm, `smc:return` with
 * the status name and the failure label that fired).
 */
import { hex64 } from '../../../lib/bits.ts';
import { RSI_STATUS_NAMES } from '../../abi/rsi.ts';
import { SMCCC_VERSION } from '../../abi/smccc.ts';
import { SMC_REGISTER_COUNT } from '../../abi/smccc.ts';
import type { RsiHandler } from '../guest.ts';
import { gpr } from '../guest.ts';
import { realmActor } from '../stage2.ts';
import { ATTESTATION_COMMANDS } from './attestation.ts';
import { CONFIG_COMMANDS } from './config.ts';
import { IPA_STATE_COMMANDS } from './ipa-state.ts';
import { MEASUREMENT_COMMANDS } from './measurement.ts';
import type { RsiCommandSpec } from './types.ts';
import { VERSION_COMMANDS } from './version.ts';

/** Every built-in RSI command (plus SMCCC_VERSION), in FID order. */
export const RSI_COMMANDS: readonly RsiCommandSpec[] = [
  ...VERSION_COMMANDS,
  ...MEASUREMENT_COMMANDS,
  ...ATTESTATION_COMMANDS,
  ...CONFIG_COMMANDS,
  ...IPA_STATE_COMMANDS,
].sort((a, b) => a.fid - b.fid);

/** The built-in command with function ID `fid`. */
export function rsiCommandByFid(fid: number): RsiCommandSpec | undefined {
  return RSI_COMMANDS.find((c) => c.fid === fid);
}

/** Name of an RSI status (SMCCC_VERSION returns a version, not a status). */
function statusName(command: RsiCommandSpec, x0: bigint): string {
  if (command.fid === SMCCC_VERSION) return 'SMCCC_VERSION';
  return RSI_STATUS_NAMES[Number(x0)] ?? hex64(x0);
}

/** The built-in RSI handler: dispatches on X0, logs the call, `unhandled` for other FIDs. */
export const BUILTIN_RSI: RsiHandler = (ctx, realm, rec, fid) => {
  const command = rsiCommandByFid(fid);
  if (!command) return { kind: 'unhandled' };
  const x = Array.from({ length: SMC_REGISTER_COUNT - 1 }, (_, i) => gpr(rec, i + 1));
  const call = ctx.emit({
    kind: 'smc:call',
    world: 'REALM',
    caller: realmActor(realm),
    fid: hex64(fid),
    name: command.name,
    args: x.slice(0, command.args.length).map(hex64),
  });
  const outcome = ctx.within(call.seq, () => command.handler({ ctx, realm, rec, x }));
  if (outcome.kind === 'return') {
    const x0 = outcome.x[0] ?? 0n;
    ctx.emit({
      kind: 'smc:return',
      call: call.seq,
      name: command.name,
      results: outcome.x.slice(0, 1 + command.results.length).map(hex64),
      status: statusName(command, x0),
      index: 0,
      ...(outcome.failure
        ? { failure: { label: outcome.failure.label, reason: outcome.failure.reason } }
        : {}),
    });
  } else if (outcome.kind === 'exit') {
    ctx.emit({
      kind: 'note',
      text: `${command.name} needs memory the host has not mapped: REC exit, the realm will retry`,
    });
  }
  const { failure: _failure, ...result } = outcome;
  return result;
};
