/**
 * The host side of Mica in the terminals (mica-spec.md §3.4, §8 item 12): `realm create`
 * attaches the policy descriptor, the dummy page and (once per machine) the SGT granules,
 * and advertises the windows `mica share` wired before the realm existed, all before
 * REALM_ACTIVATE when the monitor is installed; `mica share` plugs one shared object
 * (an ivshmem backing file: one host page set) into protected windows of several realms; the
 * VMM resolves a guest's first touch of such a window with RMI_DATA_CREATE_UNKNOWN_SHARED on
 * the object's page, as KVM does (the same logic as MicaHost.mapShared, src/workflows).
 *
 * Design rationale: the wiring lives in the VMM's state (`state.host.sharedObjects`), so
 * snapshots and undo capture it; the abort handler is added to each lab machine when it is
 * built (shell/machine.ts) and reads only that state.
 */
import {
  ATTESTATION_CODE,
  realmNameProblem,
  abi,
  allocHostPage,
  hostRealm,
  hostRealms,
  hostState,
  withHostTables,
  type HostAbortAnswer,
  type HostRealm,
  type Machine,
  type RealmSetup,
} from '../../emulator/index.ts';
import { MICA_EXT, micaAbi, micaOf, rimLabel, type MicaState } from '../../policy/index.ts';
import { parseU64 } from '../args.ts';
import { badSubcommand, out, usageError, type OutputLine, type ShellCommand } from '../types.ts';
import { hex } from '../../lib/hex.ts';
import { lazyCode } from '../../lib/lazy.ts';

/** The tenant's group verifier (verify-group.ts), loaded when `mica verify` first runs. */
export const GROUP_VERIFIER = lazyCode(
  "the tenant's group verifier",
  () => import('./verify-group.ts'),
);

/** The Mica monitor's state, when the machine has it. */
export function micaInstalled(machine: Machine): MicaState | undefined {
  return machine.state.ext[MICA_EXT] as MicaState | undefined;
}

/** §8 item 12: DELEGATE+REALM_PD, DELEGATE+REALM_DUMMY_PAGE, DELEGATE+RMI_SGT (once). */
export function micaRealmSetup(setup: RealmSetup): void {
  const { machine, name, rd, call, delegated } = setup;
  const m = micaInstalled(machine);
  if (!m) return;
  // Windows `mica share` wired before the realm existed: the VMM plugs the device in when it
  // creates the VM, so the range is advertised before REALM_ACTIVATE (§3.4 steps 1-2).
  for (const [object, o] of Object.entries(machine.state.host?.sharedObjects ?? {})) {
    for (const e of o.ends.filter((x) => x.realm === name)) {
      call(
        `RMI_SET_PROTECTED_SHARED_RANGE ${object} ${hex(e.ipa)}`,
        micaAbi.SMC_RMI_SET_PROTECTED_SHARED_RANGE,
        rd,
        e.ipa,
        e.size,
      );
    }
  }
  call('RMI_REALM_PD', micaAbi.SMC_RMI_REALM_PD, rd, delegated('PD'));
  call('RMI_REALM_DUMMY_PAGE', micaAbi.SMC_RMI_REALM_DUMMY_PAGE, rd, delegated('dummy page'));
  if (m.sgt.granules.length === 0) {
    for (let i = 0; i < micaAbi.SGT_GRANULES_FULL; i++)
      call(`RMI_SGT ${i + 1}/${micaAbi.SGT_GRANULES_FULL}`, micaAbi.SMC_RMI_SGT, delegated('SGT'));
  }
}

/** Names the monitor's record of a realm the VMM just built (for its messages and views). */
export function nameMicaRealm(machine: Machine, realm: HostRealm): void {
  const r = micaOf(machine.state)?.realms[hex(realm.rd)];
  if (r) r.name = realm.name;
}

/**
 * KVM's answer to a touch of a protected window wired by `mica share` (§3.4 step 3); the
 * lab machine's VMM asks it first (shell/machine.ts).
 */
export function sharedAbort(
  machine: Machine,
  realm: HostRealm,
  _rec: number,
  ipa: number,
): HostAbortAnswer | undefined {
  const objects = machine.state.host?.sharedObjects;
  if (!objects) return undefined;
  for (const [name, obj] of Object.entries(objects)) {
    const end = obj.ends.find(
      (e) => e.realm === realm.name && ipa >= e.ipa && ipa < e.ipa + e.size,
    );
    if (!end) continue;
    const page = ipa - (ipa % abi.GRANULE_SIZE);
    const k = String((page - end.ipa) / abi.GRANULE_SIZE);
    let pa = obj.pages[k];
    if (pa === undefined) {
      pa = allocHostPage(machine);
      if (pa === undefined) return { action: 'the VMM is out of pages: inject SEA', enter: 'sea' };
      obj.pages[k] = pa;
    }
    if (machine.granuleOf(pa).state === 'UNDELEGATED')
      machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa);
    const backing = pa;
    const r = withHostTables(machine, realm, page, () =>
      machine.smc(micaAbi.SMC_RMI_DATA_CREATE_UNKNOWN_SHARED, realm.rd, backing, page),
    );
    if (r.status !== 'RMI_SUCCESS')
      return {
        action: `RMI_DATA_CREATE_UNKNOWN_SHARED refused (${r.failure?.label ?? r.status}${r.failure?.reason ? `: ${r.failure.reason}` : ''}): inject SEA`,
        enter: 'sea',
      };
    return {
      action: `${name} page ${k}: RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(backing)} at ${hex(page)}`,
      enter: 'retry',
    };
  }
  return undefined;
}

/** Parses `<realm>:<bar>`. */
function parseEnd(
  machine: Machine,
  word: string,
): { ok: true; realm: string; ipa: number } | { ok: false; error: string } {
  const m = /^([A-Za-z][A-Za-z0-9-]*):([0-9]+)$/.exec(word);
  if (!m) return { ok: false, error: `"${word}" is not <realm>:<bar index>` };
  const bar = Number(m[2]);
  if (bar > 7) return { ok: false, error: `BAR index ${bar} must be 0..7` };
  const problem = realmNameProblem(m[1]!);
  if (problem !== undefined) return { ok: false, error: problem };
  return {
    ok: true,
    realm: m[1]!,
    ipa: micaAbi.IVSHMEM_BAR_BASE + bar * micaAbi.IVSHMEM_BAR_STRIDE,
  };
}

function shareCommand(
  args: readonly string[],
  machine: Machine,
): OutputLine[] | ReturnType<typeof usageError> {
  const [name, ...rest] = args;
  if (name === undefined) return usageError('missing <object>');
  let size = micaAbi.IVSHMEM_BAR_STRIDE;
  const ends: { realm: string; ipa: number; size: number }[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '--size') {
      const v = parseU64(rest[++i], 'size');
      if (!v.ok) return usageError(v.error);
      if (
        v.value === 0n ||
        v.value % BigInt(abi.GRANULE_SIZE) !== 0n ||
        v.value > BigInt(micaAbi.IVSHMEM_BAR_STRIDE)
      )
        return usageError('--size must be whole 4 KiB pages, at most 0x4000000');
      size = Number(v.value);
      continue;
    }
    const e = parseEnd(machine, w);
    if (!e.ok) return usageError(e.error);
    ends.push({ realm: e.realm, ipa: e.ipa, size: 0 });
  }
  if (ends.length === 0) return usageError('name at least one <realm>:<bar>');
  const hs = hostState(machine.state);
  const objects = (hs.sharedObjects ??= {});
  const obj = (objects[name] ??= { pages: {}, ends: [] });
  const lines: OutputLine[] = [];
  for (const e of ends) {
    const taken = Object.entries(objects).find(([, o]) =>
      o.ends.some((x) => x.realm === e.realm && x.ipa === e.ipa),
    );
    if (taken) {
      lines.push(
        out.warn(`${e.realm} window ${hex(e.ipa)} already holds "${taken[0]}": unchanged`),
      );
      continue;
    }
    const realm = hostRealm(machine, e.realm);
    if (!realm) {
      // Wired before the realm exists (§3.4 step 1): "realm create" advertises the window
      // before REALM_ACTIVATE.
      obj.ends.push({ ...e, size });
      lines.push(
        out.ok(`${name} -> ${e.realm} window ${hex(e.ipa)} (+${hex(size)})`),
        out.dim(
          `  no realm "${e.realm}" yet: "realm create ${e.realm}" advertises this window before REALM_ACTIVATE`,
        ),
      );
      continue;
    }
    if (micaInstalled(machine)) {
      // The host advertises the BAR (device plug-in): protected faults there reach the host.
      const r = machine.smc(micaAbi.SMC_RMI_SET_PROTECTED_SHARED_RANGE, realm.rd, e.ipa, size);
      lines.push(
        (r.status === 'RMI_SUCCESS' ? out.dim : out.error)(
          `  RMI_SET_PROTECTED_SHARED_RANGE ${e.realm} ${hex(e.ipa)} +${hex(size)} -> ${r.status}${r.failure ? ` (${r.failure.label})` : ''}`,
        ),
      );
      if (r.status !== 'RMI_SUCCESS') continue;
    }
    obj.ends.push({ ...e, size });
    lines.push(out.ok(`${name} -> ${e.realm} window ${hex(e.ipa)} (+${hex(size)})`));
  }
  lines.push(
    out.dim(
      '  host-side wiring only: the first guest touch of a page faults, and the VMM answers with',
    ),
    out.dim(
      `  RMI_DATA_CREATE_UNKNOWN_SHARED of ${name}'s page (one page set shared by every end).`,
    ),
  );
  if (!micaInstalled(machine))
    lines.push(out.warn('  this machine has no Mica monitor (cca mode): those calls will fail'));
  return lines;
}

function statusLines(machine: Machine): OutputLine[] {
  const m = micaInstalled(machine);
  const lines: OutputLine[] = [
    out.accent(
      m
        ? `Mica monitor: mode ${m.mode}, SGT ${m.sgt.granules.length} granule(s), ${m.uploads} upload(s) accepted`
        : 'No Mica monitor on this machine (cca mode).',
    ),
  ];
  for (const realm of hostRealms(machine)) {
    const r = m?.realms[hex(realm.rd)];
    const rim = machine.state.rmm.realms[hex(realm.rd)]?.rim ?? '';
    const label = rim ? hex(rimLabel(rim)) : '?';
    lines.push(
      out.line(
        `  ${realm.name.padEnd(12)} RD ${hex(realm.rd)}  label ${label}  ${r ? (r.uploaded ? `policy accepted (#${r.order})` : r.pd ? 'PD attached, no policy yet' : 'no PD') : '-'}`,
      ),
    );
  }
  for (const [name, o] of Object.entries(machine.state.host?.sharedObjects ?? {})) {
    lines.push(
      out.line(
        `  object ${name}: ${o.ends.map((e) => `${e.realm}@${hex(e.ipa)}`).join(', ')}; ${Object.keys(o.pages).length} page(s) backed${o.pages['0'] === undefined ? '' : `, page 0 at PA ${hex(o.pages['0'])}`}`,
      ),
    );
  }
  return lines;
}

/** The host `mica` command. */
export const HOST_MICA_COMMANDS: readonly ShellCommand<{ machine: Machine }>[] = [
  {
    name: 'mica',
    maxArgs: { status: 0 },
    usage:
      'share <object> <realm>:<bar> [<realm>:<bar> ...] [--size <bytes>] | status | verify last [<example>]',
    summary:
      "wire a shared object into realms' protected windows; show the monitor; verify a group token",
    help: [
      'mica share Mem1 gateway:0 encoder:0    Mem1 backs BAR0 of gateway and BAR0 of encoder',
      'mica share Mem2 encoder:1 moderator:0 --size 0x40000',
      'BAR n is the protected window at 0x18000000000 + n * 0x4000000 (mica-spec.md §3.4).',
      '"realm create" attaches PD, dummy page and SGT before REALM_ACTIVATE (§8 item 12).',
      'A realm named before it exists is wired when "realm create" builds it: its windows are',
      'advertised (RMI_SET_PROTECTED_SHARED_RANGE) before REALM_ACTIVATE (§3.4 steps 1-2).',
      'mica status                            realms, labels, uploads and shared objects',
      'mica verify last video-moderation      the tenant verifies the last group token (mica-spec.md',
      '                                       §4.5) against the files of the example it deployed,',
      '                                       the realms it built, the lab CPAK and the nonce sent',
      'mica verify last                       the same against what the tenant declared to this',
      '                                       machine (a scenario run from the Pipeline view does)',
    ],
    needs: ([sub]) => (sub === 'verify' ? [ATTESTATION_CODE, GROUP_VERIFIER] : []),
    run(args, { machine }) {
      const [sub, ...rest] = args;
      if (sub === 'share') return shareCommand(rest, machine);
      if (sub === 'status' || sub === undefined) return statusLines(machine);
      if (sub === 'verify') return GROUP_VERIFIER.get().verifyLastGroup(machine, rest);
      return badSubcommand(sub, ['share', 'status', 'verify']);
    },
  },
];
