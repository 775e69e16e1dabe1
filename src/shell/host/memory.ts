/**
 * Host memory commands: `gpt`, `read`, `write`. The host is NS-EL2: it reaches physical
 * memory only through the NS PAS, so the granule protection check refuses realm granules
 * (cca-spec.md §1.2) and the shell shows the GPF instead of bytes.
 */
import { abi, hostRealms, regionOf, type Machine } from '../../emulator/index.ts';
import { micaOf } from '../../policy/monitor/state.ts';
import { hexdump } from '../../lib/bytes.ts';
import { parseAddr, parseData } from '../args.ts';
import { out, usageError, type OutputLine, type ShellCommand } from '../types.ts';
import { hex } from '../../lib/hex.ts';
import { decimalAddressNote } from './describe.ts';

/** Largest read the shell prints at once. */
const MAX_READ = 4096;
/** Default read length. */
const DEFAULT_READ = 64;
/** Rows printed by `gpt <start> [count]` by default. */
const DEFAULT_GPT_ROWS = 16;
/** Upper bound on rows printed by `gpt`. */
const MAX_GPT_ROWS = 512;

/**
 * One row of `gpt`: the granule's GPI and RMM state, then whose it is, by name: the realm that
 * owns it (`realm 0x80033000 (encoder)`), or, for a page of a Mica shared object (DELEGATED in
 * the RMM, mapped by the monitor), the object and the realms that map it (mica-spec.md §3.4).
 */
function gptRow(machine: Machine, pa: number): string {
  const g = machine.granuleOf(pa);
  const names = realmNames(machine);
  const named = (rd: number) => (names.has(rd) ? `${hex(rd)} (${names.get(rd)})` : hex(rd));
  let owner = g.realm !== undefined ? `  realm ${named(g.realm)}` : '';
  if (g.realm === undefined) {
    const shared = sharedPage(machine, pa, names);
    if (shared) owner = `  ${shared}`;
  }
  return `  ${hex(pa).padEnd(12)} ${machine.gpiOf(pa).padEnd(9)} ${g.state.padEnd(11)}${owner}`;
}

/**
 * Realm names by RD: the host's (`realm create`), else the name the monitor was given (a
 * scenario's stage, built without the host's VMM).
 */
function realmNames(machine: Machine): Map<number, string> {
  const names = new Map<number, string>();
  for (const r of Object.values(micaOf(machine.state)?.realms ?? {})) {
    if (r.name) names.set(r.rd, r.name);
  }
  for (const r of hostRealms(machine)) names.set(r.rd, r.name);
  return names;
}

/** `Mem1, mapped by gateway and encoder` for a page Mica realms map as shared memory. */
function sharedPage(
  machine: Machine,
  pa: number,
  names: ReadonlyMap<number, string>,
): string | undefined {
  const monitor = micaOf(machine.state);
  if (!monitor) return undefined;
  const objects = new Set<string>();
  const by: string[] = [];
  for (const r of Object.values(monitor.realms)) {
    const m = Object.values(r.mappings).find((x) => x.pa === pa);
    if (!m) continue;
    if (m.mem) objects.add(m.mem);
    by.push(names.get(r.rd) ?? hex(r.rd));
  }
  if (by.length === 0) return undefined;
  const what = objects.size > 0 ? [...objects].join('/') : 'shared page';
  const list = by.length === 1 ? by[0] : `${by.slice(0, -1).join(', ')} and ${by.at(-1)}`;
  return `${what}, mapped by ${list}`;
}

function gptSummary(machine: Machine, offers: (name: string) => boolean): OutputLine[] {
  const lines: OutputLine[] = [out.accent('Physical memory map (GPI at boot):')];
  for (const r of machine.state.config.memoryMap) {
    lines.push(
      out.line(
        `  ${hex(r.base).padEnd(12)}-${hex(r.base + r.size - 1).padEnd(12)} ${r.gpi.padEnd(9)} ${r.name}${r.delegable ? ' (delegable)' : ''}`,
      ),
    );
  }
  const changed = new Set<number>([
    ...Object.keys(machine.state.gpt).map(Number),
    ...Object.keys(machine.state.granules).map(Number),
  ]);
  if (changed.size === 0) {
    lines.push(
      out.dim(
        `No granule has changed since boot.${offers('delegate') ? ' Try "delegate 0x80000000".' : ''}`,
      ),
    );
    return lines;
  }
  lines.push(out.accent(`Granules changed since boot (${changed.size}):`));
  lines.push(out.dim('  PA           GPI       RMM state'));
  for (const index of [...changed].sort((a, b) => a - b)) {
    lines.push(out.line(gptRow(machine, index * abi.GRANULE_SIZE)));
  }
  return lines;
}

/** The host memory command family. */
export const MEMORY_COMMANDS: readonly ShellCommand<{ machine: Machine }>[] = [
  {
    name: 'gpt',
    maxArgs: 2,
    usage: '[<pa> [count] | <start>-<end>]',
    summary: 'show the Granule Protection Table (GPI and RMM state per granule)',
    help: [
      'Without arguments: the memory map and every granule changed since boot.',
      'gpt 0x80000000 8          eight granules from 0x80000000',
      'gpt 0x80000000-0x80004000 the granules in that range',
    ],
    run([first, second], { machine }, { offers = () => true }) {
      if (first === undefined) return gptSummary(machine, offers);
      let start: number;
      let count: number;
      const range = /^(.+)-(.+)$/.exec(first);
      if (range) {
        const a = parseAddr(range[1], 'start');
        const b = parseAddr(range[2], 'end');
        if (!a.ok) return usageError(a.error);
        if (!b.ok) return usageError(b.error);
        if (b.value <= a.value) return usageError('<end> must be above <start>');
        start = a.value;
        count = Math.ceil((b.value - a.value) / abi.GRANULE_SIZE);
      } else {
        const a = parseAddr(first, 'pa');
        if (!a.ok) return usageError(a.error);
        start = a.value;
        const n =
          second === undefined
            ? { ok: true as const, value: DEFAULT_GPT_ROWS }
            : parseAddr(second, 'count');
        if (!n.ok) return usageError(n.error);
        count = n.value;
      }
      if (count < 1 || count > MAX_GPT_ROWS) {
        return usageError(
          range
            ? `the range ${first} spans ${count} granules; at most ${MAX_GPT_ROWS} are listed at once`
            : `<count> must be between 1 and ${MAX_GPT_ROWS}, not ${second}`,
        );
      }
      const base = start - (start % abi.GRANULE_SIZE);
      // Rows stop at the top of the physical address space (a range cannot pass it: its
      // <end> is a PA), and the rows asked for beyond it are said, not listed.
      const listed = Math.min(count, (abi.PA_SPACE_SIZE - base) / abi.GRANULE_SIZE);
      const lines: OutputLine[] = [out.dim('  PA           GPI       RMM state')];
      for (let i = 0; i < listed; i++) {
        const pa = base + i * abi.GRANULE_SIZE;
        const region = regionOf(machine.state.config.memoryMap, pa);
        lines.push(
          region ? out.line(gptRow(machine, pa)) : out.dim(`  ${hex(pa).padEnd(12)} (no memory)`),
        );
      }
      if (listed < count) {
        const beyond = count - listed;
        lines.push(
          out.warn(
            `<pa> ${first}: the ${abi.PA_SPACE_BITS}-bit PA space ends at ${hex(abi.PA_SPACE_SIZE - 1)}; ` +
              `${beyond} of the ${count} granules asked for ${beyond === 1 ? 'is' : 'are'} beyond it, not listed`,
          ),
        );
      }
      return lines;
    },
  },
  {
    name: 'read',
    maxArgs: 2,
    usage: '<pa> [len]',
    summary: 'read physical memory as the host (NS PAS); realm granules fault',
    help: [`len defaults to ${DEFAULT_READ} bytes, at most ${MAX_READ}.`],
    run([paWord, lenWord], { machine }) {
      const pa = parseAddr(paWord, 'pa');
      if (!pa.ok) return usageError(pa.error);
      const len =
        lenWord === undefined
          ? { ok: true as const, value: DEFAULT_READ }
          : parseAddr(lenWord, 'len');
      if (!len.ok) return usageError(len.error);
      if (len.value < 1 || len.value > MAX_READ) {
        return usageError(`<len> must be between 1 and ${MAX_READ}`);
      }
      const result = machine.read(pa.value, len.value);
      if (!result.ok) {
        return [
          out.error(
            `${result.fault.kind === 'gpf' ? 'Granule Protection Fault' : 'Bus error'}: ${result.fault.reason}`,
          ),
          out.dim('  The read never reached memory: no byte was returned to the host.'),
          ...decimalAddressNote(machine, paWord!, pa.value),
        ];
      }
      return hexdump(result.bytes, pa.value).map(out.line);
    },
  },
  {
    name: 'write',
    maxArgs: 2,
    textLast: true,
    usage: '<pa> <hex|"text">',
    summary: 'write physical memory as the host (NS PAS); realm granules fault',
    help: ['write 0x80001000 0xdeadbeef', 'write 0x80001000 "the tenant\'s video"'],
    run([paWord, data], { machine }, { quoted }) {
      const pa = parseAddr(paWord, 'pa');
      if (!pa.ok) return usageError(pa.error);
      const bytes = parseData(data, quoted[1] ?? false);
      if (!bytes.ok) return usageError(bytes.error);
      const result = machine.write(pa.value, bytes.value);
      if (!result.ok) {
        return [
          out.error(
            `${result.fault.kind === 'gpf' ? 'Granule Protection Fault' : 'Bus error'}: ${result.fault.reason}`,
          ),
          out.dim('  The write never reached memory.'),
          ...decimalAddressNote(machine, paWord!, pa.value),
        ];
      }
      return [
        out.ok(
          `wrote ${bytes.value.length} byte${bytes.value.length === 1 ? '' : 's'} at ${hex(pa.value)}`,
        ),
      ];
    },
  },
];
