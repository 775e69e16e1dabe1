/**
 * Realm PSCI commands (cca-spec.md §4.2): the guest calls PSCI with SMC; the RMM answers
 * VERSION/FEATURES itself, forwards CPU_ON/AFFINITY_INFO to the host (which completes them
 * with RMI_PSCI_COMPLETE) and powers the realm off on SYSTEM_OFF/RESET.
 */
import { abi, mpidrOfIndex } from '../../emulator/index.ts';
import { parseU64 } from '../args.ts';
import { badSubcommand, out, usageError, type ShellCommand } from '../types.ts';
import { runOps, type RealmEnv } from './run.ts';

const FUNCTIONS: Readonly<Record<string, number>> = {
  version: abi.PSCI_VERSION,
  features: abi.PSCI_FEATURES,
  'cpu-on': abi.PSCI_CPU_ON_AARCH64,
  'cpu-off': abi.PSCI_CPU_OFF,
  'cpu-suspend': abi.PSCI_CPU_SUSPEND_AARCH64,
  affinity: abi.PSCI_AFFINITY_INFO_AARCH64,
  'system-off': abi.PSCI_SYSTEM_OFF,
  'system-reset': abi.PSCI_SYSTEM_RESET,
};

const RESULT_NAMES: Readonly<Record<string, string>> = {
  '0': 'PSCI_SUCCESS',
  '-1': 'PSCI_NOT_SUPPORTED',
  '-2': 'PSCI_INVALID_PARAMETERS',
  '-3': 'PSCI_DENIED',
  '-4': 'PSCI_ALREADY_ON',
  '-5': 'PSCI_ON_PENDING',
  '-6': 'PSCI_INTERNAL_FAILURE',
  '-9': 'PSCI_INVALID_ADDRESS',
};

/** The realm PSCI command. */
export const PSCI_SHELL_COMMANDS: readonly ShellCommand<RealmEnv>[] = [
  {
    name: 'psci',
    maxArgs: {
      version: 0,
      features: 1,
      'cpu-on': 2,
      'cpu-off': 0,
      'cpu-suspend': 0,
      affinity: 1,
      'system-off': 0,
      'system-reset': 0,
    },
    usage: `${Object.keys(FUNCTIONS).join('|')} [args]`,
    summary: 'PSCI calls: version, cpu-on <rec> [entry], affinity <rec>, system-off, ...',
    help: [
      'psci version               1.1 (0x10001), answered by the RMM',
      'psci features 0xc4000003   is CPU_ON supported?',
      'psci cpu-on 1 0x0          start REC 1 (the host completes it with RMI_PSCI_COMPLETE)',
      'psci affinity 1            is REC 1 on?',
      'psci system-off            the realm becomes SYSTEM_OFF for good',
    ],
    run([fn, ...rest], env) {
      const fid = fn === undefined ? undefined : FUNCTIONS[fn];
      if (fid === undefined) return badSubcommand(fn, Object.keys(FUNCTIONS));
      const args: string[] = [];
      if (fn === 'cpu-on' || fn === 'affinity') {
        const rec = parseU64(rest[0], 'rec');
        if (!rec.ok) return usageError(rec.error);
        args.push('0x' + mpidrOfIndex(Number(rec.value)).toString(16));
        if (fn === 'cpu-on') {
          const entry = parseU64(rest[1] ?? '0', 'entry');
          if (!entry.ok) return usageError(entry.error);
          args.push('0x' + entry.value.toString(16), '0x0');
        } else args.push('0x0');
      } else if (fn === 'features') {
        const which = parseU64(rest[0], 'fid');
        if (!which.ok) return usageError(which.error);
        args.push('0x' + which.value.toString(16));
      }
      return runOps(env, [{ op: 'psci', fid, args }], (results) =>
        results.map((r) => {
          const x0 = r.values.x0 ?? '';
          const name =
            fn === 'version'
              ? `version ${Number(x0) >> 16}.${Number(x0) & 0xffff}`
              : fn === 'affinity' && (x0 === '0' || x0 === '1')
                ? x0 === '0'
                  ? 'ON (0)'
                  : 'OFF (1)'
                : (RESULT_NAMES[x0] ?? x0);
          return (r.ok ? out.ok : out.error)(`psci ${fn}: ${r.status ?? ''} -> ${name}`);
        }),
      );
    },
  },
];
