/**
 * Turns an SMC and the ledger events it caused into terminal lines: the call with named
 * arguments, the status (with the failure label and its reason), then what changed
 * (granule transitions, GPT updates, faults). Every RMI command in the host shell prints
 * through here, so explanations are uniform and read from the ledger, not from internals.
 */
import { regionOf, type LedgerEvent, type Machine, type SmcResult } from '../../emulator/index.ts';
import { out, type OutputLine } from '../types.ts';
import { hex } from '../../lib/hex.ts';
import { failureOwner } from '../../policy/judge.ts';

/** Lines describing the events caused by the call at `seq`. */
export function describeEffects(events: readonly LedgerEvent[], seq: number): OutputLine[] {
  const lines: OutputLine[] = [];
  for (const e of events) {
    if (e.seq <= seq) continue;
    switch (e.kind) {
      case 'granule:transition':
        lines.push(
          out.dim(
            `  granule ${hex(e.pa)}: ${e.from} -> ${e.to}${e.wiped ? ' (contents wiped)' : ''}`,
          ),
        );
        break;
      case 'gpt:update':
        lines.push(out.dim(`  GPT ${hex(e.pa)}: GPI ${e.from} -> ${e.to} (by EL3)`));
        break;
      case 'gpf':
        lines.push(
          out.warn(`  GPF: ${e.actor} ${e.op} of ${hex(e.pa)} through ${e.pas} PAS, GPI ${e.gpi}`),
        );
        break;
      case 'flow':
        // A mapping or a control decision moves no bytes: ", 0 bytes" said nothing there.
        lines.push(
          (e.decision.verdict === 'blocked' ? out.warn : out.dim)(
            `  ${e.decision.verdict} ${e.channel}: ${e.source.name} -> ${e.destination.name}${e.bytes > 0 ? `, ${e.bytes} bytes` : ''} (${e.decision.rule}: ${e.decision.reason})`,
          ),
        );
        break;
      default:
        break;
    }
  }
  return lines;
}

/** Describes an RMI/SMC result: call line, status line with the failure reason, effects. */
export function describeSmc(
  machine: Machine,
  result: SmcResult,
  argNames: readonly string[],
  resultNames: readonly string[],
): OutputLine[] {
  // The ledger is densely numbered, so the call and what it caused are found by index, not by
  // a scan of the whole history (a command at 100k events costs what it does, issue 10 P3).
  const ledger = machine.ledger;
  const from = result.seq - (ledger[0]?.seq ?? result.seq);
  const caused = from >= 0 ? ledger.slice(from) : [];
  const call = caused[0]?.seq === result.seq ? caused[0] : undefined;
  const name = call?.kind === 'smc:call' ? call.name : 'SMC';
  const args = call?.kind === 'smc:call' ? call.args : [];
  const shown = args.map((a, i) => `${argNames[i] ?? `x${i + 1}`}=${a}`).join(', ');
  const ok = result.status === 'RMI_SUCCESS';
  const index = result.index ? ` (index ${result.index})` : '';
  const lines: OutputLine[] = [
    (ok ? out.ok : out.error)(`${name}(${shown}) -> ${result.status}${index}`),
  ];
  if (result.failure) {
    const f = result.failure;
    lines.push(out.error(`  failed ${f.label} (${failureOwner(f)}): ${f.reason}`));
  }
  resultNames.forEach((r, i) => {
    const v = result.x[i + 1];
    if (v !== undefined) lines.push(out.line(`  ${r} = ${hex(v)}`));
  });
  lines.push(...describeEffects(caused, result.seq));
  return lines;
}

/** Digits only, long enough to be an address typed without its `0x`. */
const DECIMAL_ADDRESS = /^\d{6,}$/;

/**
 * A note for an address typed without `0x` that reads as decimal where nothing is and as hex
 * where the board has memory (`delegate 80010000` is 0x4c4db10, and the RMM answers
 * `gran_align`): numbers are decimal unless they start with 0x, which the learner who copied
 * the digits of a hex address did not mean. Nothing when the word is hex, or meant.
 */
export function decimalAddressNote(machine: Machine, word: string, value: number): OutputLine[] {
  if (!DECIMAL_ADDRESS.test(word)) return [];
  const map = machine.state.config.memoryMap;
  const asHex = Number.parseInt(word, 16);
  if (regionOf(map, value) || !regionOf(map, asHex)) return [];
  return [
    out.warn(
      `  note: ${word} was read as decimal (${hex(value)}), where the board has nothing; the hex address is 0x${word}`,
    ),
  ];
}
