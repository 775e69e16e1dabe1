/**
 * Host `run <realm>`: the VMM's run loop (emulator host/vmm.ts), RMI_REC_ENTER until the
 * realm is idle, printing every REC exit and what the host did about it (cca-spec.md §2.5).
 */
import { hostRealm, runRealm, unknownHostRealm, type Machine } from '../../emulator/index.ts';
import { REALM_RUN_CODE } from '../run-code.ts';
import { out, usageError, type OutputLine, type ShellCommand } from '../types.ts';

type Env = { machine: Machine };

/** The host run command. */
export const RUN_COMMANDS: readonly ShellCommand<Env>[] = [
  {
    name: 'run',
    // The realm's program may ask for a token (the attester image) or upload its policy.
    needs: REALM_RUN_CODE,
    usage: '<realm>',
    summary: 'enter the realm (RMI_REC_ENTER) until it is idle, handling each exit',
    help: [
      'Each line is one REC exit: its reason, what the RMM reported, and what the host did',
      '(mapped memory, emulated a device, completed PSCI, accepted a RIPAS change).',
    ],
    run([name, extra], { machine }) {
      if (name === undefined) return usageError('missing <realm>');
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      if (!hostRealm(machine, name)) return usageError(unknownHostRealm(machine, name));
      const report = runRealm(machine, name);
      const lines: OutputLine[] = report.exits.map((e) => {
        const detail = e.detail ? `: ${e.detail}` : '';
        return out.line(`  REC ${e.rec} ${e.reason}${detail} -> ${e.action}`);
      });
      for (const e of report.exits) {
        if (!e.output) continue;
        const labels = e.output.labels.length ? `  [labels: ${e.output.labels.join(', ')}]` : '';
        lines.push(
          (labels ? out.warn : out.accent)(
            `  ${e.output.device}: ${JSON.stringify(e.output.text)}${labels}`,
          ),
        );
      }
      const summary: Record<typeof report.stop, string> = {
        idle: `realm "${name}" is idle (${report.exits.length} exits handled)`,
        off: `realm "${name}" is off`,
        limit: `stopped after ${report.exits.length} exits`,
        stuck: `stopped: ${report.error ?? ''}`,
        error: `error: ${report.error ?? ''}`,
      };
      const tone =
        report.stop === 'error' ? out.error : report.stop === 'stuck' ? out.warn : out.ok;
      lines.push(tone(summary[report.stop]));
      return lines;
    },
  },
];
