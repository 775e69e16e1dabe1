/**
 * Host RMI commands: `delegate`, `undelegate`, `rmi <COMMAND> ...` (one low-level call of
 * any command in the machine's RMI table, arguments by name or position) and `smc <fid>`
 * (a raw SMC). Spec: cca-spec.md §2.1-2.3.
 */
import { abi, hostRealm, type Machine, type RmiCommandSpec } from '../../emulator/index.ts';
import { parseAddr, parseU64 } from '../args.ts';
import { out, usageError, type OutputLine, type ShellCommand, type UsageError } from '../types.ts';
import { hex } from '../../lib/hex.ts';
import { didYouMean } from '../../lib/suggest.ts';
import { micaOf } from '../../policy/index.ts';
import { decimalAddressNote, describeSmc } from './describe.ts';
import { REALM_RUN_CODE } from '../run-code.ts';

type Env = { machine: Machine };

/** Finds a command by spec name, with or without the RMI_ prefix, any case. */
export function findRmiCommand(machine: Machine, word: string): RmiCommandSpec | undefined {
  const want = word.toUpperCase().replace(/^RMI_/, '');
  return machine.rmiCommands.find((c) => c.name.replace(/^RMI_/, '') === want);
}

/**
 * The RD of the live realm called `name` and where to look it up: one the host's VMM built
 * ("realm show"), else one the Mica monitor knows by name ("mica status"; a pipeline built
 * with "rmi" calls, as the Mica lessons' setups do).
 */
function realmRdByName(machine: Machine, name: string): RealmRd | undefined {
  const built = hostRealm(machine, name);
  if (built) return { rd: built.rd, listed: `"realm show ${name}" lists its RECs and pages` };
  const named = Object.entries(micaOf(machine.state)?.realms ?? {}).find(
    ([rd, r]) => r.name === name && machine.state.rmm.realms[rd] !== undefined,
  );
  return named ? { rd: Number(named[0]), listed: '"mica status" lists every RD' } : undefined;
}

/** A realm's RD, and the command that lists it. */
interface RealmRd {
  readonly rd: number;
  readonly listed: string;
}

/** Parses `name=value` or positional arguments against a command's argument names. */
export function parseRmiArgs(
  command: RmiCommandSpec,
  words: readonly string[],
  realmRd: (name: string) => RealmRd | undefined = () => undefined,
): { ok: true; values: bigint[] } | { ok: false; error: string } {
  const values: (bigint | undefined)[] = command.args.map(() => undefined);
  let position = 0;
  for (const word of words) {
    const named = /^([a-z_0-9]+)=(.*)$/i.exec(word);
    const slot = named ? command.args.indexOf(named[1]!) : position++;
    if (named && slot < 0) {
      return {
        ok: false,
        error: `${command.name} has no argument "${named[1]}" (it takes ${command.args.join(', ') || 'none'})`,
      };
    }
    if (slot >= command.args.length) {
      return {
        ok: false,
        error: `${command.name} takes ${command.args.length} argument(s): ${command.args.join(', ') || 'none'}`,
      };
    }
    const text = named ? named[2]! : word;
    const v = parseU64(text, command.args[slot]!);
    if (!v.ok) {
      // The lessons write `rd=<encoder>`: a realm's name where RMI takes its RD's address.
      const realm = realmRd(text);
      if (realm === undefined) return v;
      return {
        ok: false,
        error: `${v.error}; "${text}" is a realm, and RMI takes addresses: its RD is ${hex(realm.rd)} (${realm.listed})`,
      };
    }
    values[slot] = v.value;
  }
  const missing = command.args.filter((_, i) => values[i] === undefined);
  if (missing.length > 0)
    return { ok: false, error: `missing ${missing.map((m) => `<${m}>`).join(' ')}` };
  return { ok: true, values: values as bigint[] };
}

function granuleCommand(
  name: string,
  fid: number,
  summary: string,
  help: string[],
): ShellCommand<Env> {
  return {
    name,
    usage: '<pa>',
    summary,
    help,
    run([paWord, extra], { machine }): OutputLine[] | UsageError {
      const pa = parseAddr(paWord, 'pa');
      if (!pa.ok) return usageError(pa.error);
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      const row = machine.rmiCommands.find((c) => c.fid === fid)!;
      return [
        ...describeSmc(machine, machine.smc(fid, pa.value), row.args, row.results),
        ...decimalAddressNote(machine, paWord!, pa.value),
      ];
    },
  };
}

/** The host RMI command family. */
export const RMI_COMMANDS: readonly ShellCommand<Env>[] = [
  granuleCommand(
    'delegate',
    abi.SMC_RMI_GRANULE_DELEGATE,
    'RMI_GRANULE_DELEGATE: give a granule to the realm world (NS -> REALM)',
    [
      'The RMM checks the granule, asks EL3 to flip its GPI to REALM, and wipes it.',
      'Afterwards the host can no longer read it: try "read <pa>".',
    ],
  ),
  granuleCommand(
    'undelegate',
    abi.SMC_RMI_GRANULE_UNDELEGATE,
    'RMI_GRANULE_UNDELEGATE: return a DELEGATED granule to the host',
    ['Only a DELEGATED granule (not an RD, REC, RTT or DATA) can go back; it is wiped first.'],
  ),
  {
    name: 'rmi',
    // RMI_REC_ENTER runs the realm, whose program may ask for a token or upload its policy.
    needs: REALM_RUN_CODE,
    usage: '<COMMAND> [arg=value | value]...',
    summary: 'issue one RMI call by name (try "rmi list")',
    help: [
      'rmi list                           every RMI command with its arguments',
      'rmi version req=0x10000            arguments by name ...',
      'rmi GRANULE_DELEGATE 0x80000000    ... or by position',
    ],
    run([word, ...rest], { machine }) {
      if (word === undefined) return usageError('missing <COMMAND>');
      if (word === 'list') {
        return machine.rmiCommands.map((c) =>
          out.line(
            `  ${hex(c.fid)}  ${c.name.padEnd(26)} ${c.args.join(' ').padEnd(28)} ${c.summary}`,
          ),
        );
      }
      const command = findRmiCommand(machine, word);
      if (!command) {
        const names = machine.rmiCommands.map((c) => c.name.replace(/^RMI_/, ''));
        const meant = didYouMean(word.toUpperCase().replace(/^RMI_/, ''), names);
        return usageError(`no RMI command "${word}"${meant}; "rmi list" shows them`);
      }
      const args = parseRmiArgs(command, rest, (name) => realmRdByName(machine, name));
      if (!args.ok) return usageError(args.error);
      return describeSmc(
        machine,
        machine.smc(command.fid, ...args.values),
        command.args,
        command.results,
      );
    },
  },
  {
    name: 'smc',
    // A raw RMI_REC_ENTER runs the realm too.
    needs: REALM_RUN_CODE,
    usage: '<fid> [x1 x2 ...]',
    summary: 'issue a raw SMC from the host and print the registers it returns',
    help: [
      'smc 0xc4000150 0x10000      RMI_VERSION',
      'smc 0xc4000190              an RSI FID: not callable by the host',
    ],
    run([fidWord, ...rest], { machine }) {
      const fid = parseU64(fidWord, 'fid');
      if (!fid.ok) return usageError(fid.error);
      const args: bigint[] = [];
      for (const [i, w] of rest.entries()) {
        const v = parseU64(w, `x${i + 1}`);
        if (!v.ok) return usageError(v.error);
        args.push(v.value);
      }
      if (args.length > abi.SMC_REGISTER_COUNT - 1) {
        return usageError(`at most ${abi.SMC_REGISTER_COUNT - 1} argument registers`);
      }
      const command = machine.rmiCommands.find((c) => BigInt(c.fid) === fid.value);
      const result = machine.smc(fid.value, ...args);
      const lines = describeSmc(machine, result, command?.args ?? [], command?.results ?? []);
      lines.push(
        out.dim(
          `  X0 = ${hex(result.x[0] ?? 0n)}${result.status === 'SMCCC_NOT_SUPPORTED' ? ' (-1: nobody implements this FID for the host)' : ''}`,
        ),
      );
      return lines;
    },
  },
];
