/**
 * `mica-lab mica`: the Mica monitor, headless. `demo <n> [--mode mica|mica-prototype|both]`
 * runs attack n of mica-spec.md §6 on the video-moderation workflow and prints the transcript
 * (host actions, the monitor's blocking decisions with the clause, the verifier's verdict) and
 * the outcome; `list` prints the 21 attacks with their §6 Status.
 * Exit codes: 0 the attack was stopped (blocked or caught) in every mode run, 1 it went through
 * in some mode, 2 bad usage.
 */
import { ATTACKS, runAttack, type AttackResult } from '../../workflows/index.ts';
import type { CliCommand, CliIo } from '../types.ts';
import { didYouMean, subcommandProblem } from '../../lib/suggest.ts';

const USAGE = `mica demo <attack 1-${ATTACKS.length}> [--mode mica|mica-prototype|both] | mica list`;

function usage(io: CliIo, message: string): number {
  io.stderr(`mica-lab mica: ${message}\nusage: mica-lab ${USAGE}\n`);
  return 2;
}

function print(io: CliIo, r: AttackResult): void {
  io.stdout(`attack ${r.number}: ${r.title}\nmode: ${r.mode}   §6 status: ${r.status}\n`);
  for (const line of r.transcript) io.stdout(`  ${line}\n`);
  const rule = r.rule ? ` [${r.rule}]` : '';
  io.stdout(`verdict: ${r.outcome.toUpperCase()}${rule}: ${r.reason}\n`);
  // The group verifier's own answer, in the relying party's words (the views show the same).
  if (r.verifier) io.stdout(`group verifier: ${r.verifier.verdict.text}\n`);
  if (r.verifier?.offending) {
    io.stdout('offending path:\n');
    for (const e of r.verifier.offending.path) {
      const fields = e.fields.map((f) => `${f.realm}: ${f.path} = ${f.value}`).join('; ');
      io.stdout(`  ${e.from} -> ${e.to} [${e.kind}${e.via ? ' ' + e.via : ''}] (${fields})\n`);
    }
  }
  io.stdout('\n');
}

export const MICA_COMMAND: CliCommand = {
  name: 'mica',
  usage: USAGE,
  summary:
    'run one of the 21 attacks of the Mica spec against the monitor, in Mica or prototype mode',
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'list') {
      for (const a of ATTACKS)
        io.stdout(`${String(a.number).padStart(2)}  [${a.status}]  ${a.title}\n`);
      return 0;
    }
    if (sub !== 'demo') return usage(io, subcommandProblem(sub, ['demo', 'list']));
    let n: number | undefined;
    let mode = 'both';
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '--mode') mode = rest[++i] ?? '';
      else if (a.startsWith('--mode=')) mode = a.slice(7);
      else if (/^\d+$/.test(a) && n === undefined) n = Number(a);
      else if (n === undefined && !a.startsWith('-'))
        return usage(io, `"${a}" is not an attack number; give one from 1 to ${ATTACKS.length}`);
      else return usage(io, `unexpected argument "${a}"`);
    }
    if (n === undefined)
      return usage(io, `missing <attack>; give a number from 1 to ${ATTACKS.length}`);
    if (n < 1 || n > ATTACKS.length)
      return usage(io, `there is no attack ${n}; give a number from 1 to ${ATTACKS.length}`);
    const modes: readonly ('mica' | 'mica-prototype')[] | undefined =
      mode === 'both'
        ? ['mica', 'mica-prototype']
        : mode === 'mica' || mode === 'mica-prototype'
          ? [mode]
          : undefined;
    if (!modes) {
      const choices = ['mica', 'mica-prototype', 'both'];
      return usage(
        io,
        `unknown mode "${mode}"${didYouMean(mode, choices)}; expected ${choices.map((c) => `"${c}"`).join(', ')}`,
      );
    }
    let through = false;
    for (const m of modes) {
      const r = runAttack(n, m);
      print(io, r);
      through ||= r.outcome === 'through';
    }
    return through ? 1 : 0;
  },
};
