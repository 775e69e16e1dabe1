/**
 * Host realm commands: `realm create|destroy|list|show`, `rtt`, `measure`. `realm create` is
 * the VMM building a realm with the real RMI sequence (cca-spec.md §2.2-2.4, §5), `realm
 * destroy` tearing one down with the reverse one (§3.2: RECs, DATA and NS mappings, RTTs, the
 * RD); every call is in the ledger and listed, dimmed. Realm names live in the VMM's state (untrusted host
 * software), not in the RMM, which only knows RD addresses.
 */
import {
  abi,
  createRealm,
  guestApps,
  guestMap,
  hostRealm,
  hostRealms,
  realmOf,
  realmRtts,
  rttEntries,
  unknownHostRealm,
  walkRtt,
  type HostRealm,
  type Machine,
  type RealmRecord,
} from '../../emulator/index.ts';
import { parseAddr, parseU64 } from '../args.ts';
import {
  badSubcommand,
  out,
  usageError,
  type OutputLine,
  type ShellCommand,
  type UsageError,
} from '../types.ts';
import { hex } from '../../lib/hex.ts';
import { micaInstalled, micaRealmSetup, nameMicaRealm } from './mica.ts';
import { judgementLines } from '../realm/run.ts';

type Env = { machine: Machine };

function rmmRealm(machine: Machine, realm: HostRealm): Readonly<RealmRecord> | undefined {
  return realmOf(machine.state, realm.rd);
}

function named(machine: Machine, name: string | undefined): HostRealm | UsageError {
  if (name === undefined) return usageError('missing <realm>');
  const realm = hostRealm(machine, name);
  if (!realm) {
    return usageError(unknownHostRealm(machine, name));
  }
  return realm;
}

/** Significant hex of a stored measurement. */
function digestHex(realm: Readonly<RealmRecord>, stored: string): string {
  return realm.hashAlgo === 'sha-512' ? stored : stored.slice(0, 64);
}

function createCommand(args: readonly string[], machine: Machine): OutputLine[] | UsageError {
  const [name, ...rest] = args;
  if (name === undefined) return usageError('missing <name>');
  let ramPages: number | undefined;
  let hashAlgo: 'sha-256' | 'sha-512' | undefined;
  let image: string | undefined;
  let hostImage: string | undefined;
  let net = false;
  let recs: number | undefined;
  let mica = true;
  // An option given twice (or --mica with --no-mica) is refused: the last one silently won.
  const given = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = (): string | undefined => rest[++i];
    const which = flag === '--no-mica' ? '--mica' : flag;
    if (given.has(which))
      return usageError(
        which === '--mica' ? 'give --mica or --no-mica, not both' : `${flag} is given twice`,
      );
    given.add(which);
    switch (flag) {
      case '--ram': {
        const v = parseU64(value(), 'pages');
        if (!v.ok) return usageError(v.error);
        const { GUEST_MIN_RAM_PAGES: min, GUEST_MAX_RAM_PAGES: max } = guestMap;
        if (v.value < BigInt(min) || v.value > BigInt(max)) {
          return usageError(`--ram must be ${min}..${max} pages`);
        }
        ramPages = Number(v.value);
        break;
      }
      case '--hash': {
        const v = value();
        if (v !== 'sha256' && v !== 'sha512') return usageError('--hash must be sha256 or sha512');
        hashAlgo = v === 'sha256' ? 'sha-256' : 'sha-512';
        break;
      }
      case '--image': {
        image = value();
        if (image === undefined)
          return usageError(
            `--image needs a name: ${guestApps()
              .map((a) => a.name)
              .join(', ')}`,
          );
        break;
      }
      case '--host-image': {
        hostImage = value();
        if (hostImage === undefined)
          return usageError(
            `--host-image needs a name: ${guestApps()
              .map((a) => a.name)
              .join(', ')}`,
          );
        break;
      }
      case '--recs': {
        const v = parseU64(value(), 'count');
        if (!v.ok) return usageError(v.error);
        if (v.value < 1n || v.value > 8n) return usageError('--recs must be 1..8');
        recs = Number(v.value);
        break;
      }
      case '--net':
        net = true;
        break;
      case '--mica':
        mica = true;
        break;
      case '--no-mica':
        mica = false;
        break;
      default:
        return usageError(`unknown option "${flag}"`);
    }
  }
  const created = createRealm(machine, {
    name,
    net,
    ...(ramPages !== undefined ? { ramPages } : {}),
    ...(hashAlgo ? { hashAlgo } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(hostImage !== undefined ? { hostImage } : {}),
    ...(recs !== undefined ? { recs } : {}),
    ...(mica && micaInstalled(machine) ? { beforeActivate: micaRealmSetup, role: name } : {}),
  });
  if (created.ok) nameMicaRealm(machine, created.realm);
  const lines: OutputLine[] = created.calls.map(({ what, result }) =>
    (result.status === 'RMI_SUCCESS' ? out.dim : out.error)(
      `  ${what.padEnd(24)} -> ${result.status}`,
    ),
  );
  if (!created.ok) {
    if (created.calls.length === 0) return usageError(created.error);
    lines.push(out.error(`realm create: ${created.error}`));
    return lines;
  }
  const realm = rmmRealm(machine, created.realm);
  lines.unshift(out.accent(`Building realm "${name}" (${created.calls.length} RMI calls):`));
  lines.push(
    out.ok(
      `realm "${name}" is ${realm?.state ?? '?'}: RD ${hex(created.realm.rd)}, ${created.realm.recs.length} REC(s), ${created.realm.ramPages} pages of RAM, image "${created.realm.image}"${created.realm.net ? ', network device' : ''}`,
    ),
  );
  if (realm) lines.push(out.line(`  RIM ${digestHex(realm, realm.rim)}`));
  lines.push(out.dim(`  next: "run ${name}" boots it; its terminal talks to it from inside.`));
  return lines;
}

/**
 * Tears `name` down as KVM does (cca-spec.md §3.2): REC_DESTROY every REC, DATA_DESTROY every
 * protected page and RTT_UNMAP_UNPROTECTED every NS page, RTT_DESTROY the tables from the
 * deepest level up, then REALM_DESTROY. The granules stay DELEGATED (wiped by the RMM where the
 * spec says so); the host gets them back with `undelegate`. A refused call is listed in red
 * and the teardown goes on, so the learner sees exactly which step the RMM refused.
 */
function destroyCommand(args: readonly string[], machine: Machine): OutputLine[] | UsageError {
  const [name, extra] = args;
  const realm = named(machine, name);
  if ('usageError' in realm) return realm;
  if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
  const rmm = rmmRealm(machine, realm);
  if (!rmm) return [out.error(`realm "${realm.name}" no longer exists in the RMM`)];
  const since = machine.ledger.at(-1)?.seq ?? 0;
  const lines: OutputLine[] = [];
  const call = (what: string, fid: number, ...a: number[]) => {
    const r = machine.smc(fid, ...a);
    lines.push(
      (r.status === 'RMI_SUCCESS' ? out.dim : out.error)(
        `  ${what.padEnd(28)} -> ${r.status}${r.failure ? ` (${r.failure.label})` : ''}`,
      ),
    );
    return r.status === 'RMI_SUCCESS';
  };
  realm.recs.forEach((rec, i) => call(`REC_DESTROY ${i}`, abi.SMC_RMI_REC_DESTROY, rec));
  for (const v of rttEntries(machine.state, realm.rd)) {
    if (v.entry.state === 'ASSIGNED')
      call(`DATA_DESTROY ${hex(v.ipa)}`, abi.SMC_RMI_DATA_DESTROY, realm.rd, v.ipa);
    else if (v.entry.state === 'ASSIGNED_NS')
      call(
        `RTT_UNMAP_UNPROTECTED ${hex(v.ipa)}`,
        abi.SMC_RMI_RTT_UNMAP_UNPROTECTED,
        realm.rd,
        v.ipa,
        v.level,
      );
  }
  const tables = realmRtts(machine.state, realm.rd)
    .filter((t) => t.level > rmm.rttLevelStart)
    .sort((a, b) => b.level - a.level || a.base - b.base);
  for (const t of tables)
    call(
      `RTT_DESTROY L${t.level} ${hex(t.base)}`,
      abi.SMC_RMI_RTT_DESTROY,
      realm.rd,
      t.base,
      t.level,
    );
  const done = call('REALM_DESTROY', abi.SMC_RMI_REALM_DESTROY, realm.rd);
  lines.unshift(out.accent(`Tearing down realm "${realm.name}" (${lines.length} RMI calls):`));
  // What the monitor did on the way (CLEAN of shared pages that lost their last mapping).
  lines.push(...judgementLines(machine, since));
  lines.push(
    done
      ? out.ok(
          `realm "${realm.name}" is destroyed: its granules are DELEGATED, "undelegate <pa>" gives one back`,
        )
      : out.error(`realm destroy: REALM_DESTROY refused; the realm is still there`),
  );
  return lines;
}

/** The host realm command family. */
export const HOST_REALM_COMMANDS: readonly ShellCommand<Env>[] = [
  {
    name: 'realm',
    usage: 'create <name> [options] | destroy <name> | list | show <name>',
    summary: 'build or tear down a realm with the full RMI sequence, list realms, or show one',
    help: [
      'options: --ram <pages> --hash sha256|sha512 --image <app> --net --recs <n> --mica|--no-mica',
      '         --host-image <app>   attack: the host builds <app> instead of the --image asked for',
      'realm create r1                   16 pages of RAM, SHA-256, image "shell"',
      'realm create r2 --image hello --net',
      `images: ${guestApps()
        .map((a) => a.name)
        .join(', ')}`,
      'The VMM delegates granules, writes RmiRealmParams, calls REALM_CREATE, RTT_CREATE,',
      'RTT_INIT_RIPAS, DATA_CREATE (the measured image), REC_CREATE and REALM_ACTIVATE.',
      'With the Mica monitor it attaches REALM_PD, REALM_DUMMY_PAGE and (once) the SGT',
      "granules before REALM_ACTIVATE (mica-spec.md §8 item 12), and measures the realm's",
      'name as its role into the image (distinct RIMs, so distinct labels; --mica, the default);',
      '--no-mica skips that, and in mode mica the monitor then refuses REALM_ACTIVATE (no PD,',
      'Appendix A).',
      'realm destroy r1                  REC_DESTROY, DATA_DESTROY / RTT_UNMAP_UNPROTECTED, RTT_DESTROY',
      '                                  (deepest first), REALM_DESTROY; granules stay DELEGATED',
    ],
    run(args, { machine }) {
      const [sub, ...rest] = args;
      if (sub === 'create') return createCommand(rest, machine);
      if (sub === 'destroy') return destroyCommand(rest, machine);
      if (sub === 'list') {
        const realms = hostRealms(machine);
        // Every realm the RMM holds, also those built by hand with `rmi` (no VMM name).
        const named = new Set(realms.map((r) => r.rd));
        const byHand = Object.values(machine.state.rmm.realms).filter((r) => !named.has(r.rd));
        if (realms.length === 0 && byHand.length === 0) {
          return [out.dim('no realms yet: "realm create <name>"')];
        }
        return [
          out.accent('  name             RD            state       RECs  image     exits'),
          ...realms.map((r) =>
            out.line(
              `  ${r.name.padEnd(16)} ${hex(r.rd).padEnd(13)} ${(rmmRealm(machine, r)?.state ?? 'DESTROYED').padEnd(11)} ${String(r.recs.length).padEnd(5)} ${r.image.padEnd(9)} ${r.exits}${r.net ? '  (net)' : ''}`,
            ),
          ),
          ...byHand.map((r) =>
            out.line(
              `  ${'(by hand)'.padEnd(16)} ${hex(r.rd).padEnd(13)} ${r.state.padEnd(11)} ${String(Object.values(machine.state.rmm.recs).filter((c) => c.owner === r.rd).length).padEnd(5)} ${'-'.padEnd(9)} -`,
            ),
          ),
          ...(byHand.length > 0
            ? [out.dim('  (by hand): built with "rmi" calls, not by "realm create"; no terminal')]
            : []),
        ];
      }
      if (sub === 'show') {
        const realm = named(machine, rest[0]);
        if ('usageError' in realm) return realm;
        const rmm = rmmRealm(machine, realm);
        const lines: OutputLine[] = [out.accent(`realm "${realm.name}"`)];
        lines.push(
          out.line(
            `  RD ${hex(realm.rd)}  state ${rmm?.state ?? 'DESTROYED'}  IPA width ${realm.ipaWidth}  ${realm.hashAlgo}`,
          ),
        );
        lines.push(
          out.line(
            `  RAM [0x0, ${hex(realm.ramPages * abi.GRANULE_SIZE)})  image "${realm.image}"  network ${realm.net ? 'yes' : 'no'}`,
          ),
        );
        if (rmm) {
          lines.push(out.line(`  RIM  ${digestHex(rmm, rmm.rim)}`));
          rmm.rems.forEach((rem, i) => lines.push(out.line(`  REM${i} ${digestHex(rmm, rem)}`)));
        }
        realm.recs.forEach((pa, i) => {
          const rec = machine.state.rmm.recs[hex(pa)];
          lines.push(
            out.line(
              `  REC ${i} ${hex(pa)}  mpidr ${rec?.mpidr ?? '?'}  ${rec?.runnable ? 'RUNNABLE' : 'NOT_RUNNABLE'}  pc ${rec?.pc ?? '?'}`,
            ),
          );
        });
        for (const [ipa, pa] of Object.entries(realm.shared))
          lines.push(out.line(`  shared ${ipa} -> NS ${hex(pa)}`));
        if (realm.console) {
          lines.push(out.accent('  console:'));
          for (const l of realm.console.replace(/\n$/, '').split('\n').slice(-10))
            lines.push(out.line(`    ${l}`));
        }
        realm.network
          .slice(-5)
          .forEach((p) => lines.push(out.line(`  net packet: ${JSON.stringify(p)}`)));
        return lines;
      }
      return badSubcommand(sub, ['create', 'destroy', 'list', 'show']);
    },
  },
  {
    name: 'rtt',
    usage: '<realm> [ipa]',
    summary: "a realm's stage 2 mappings (RTT leaf entries), or the walk for one IPA",
    run([name, ipaWord, extra], { machine }) {
      const realm = named(machine, name);
      if ('usageError' in realm) return realm;
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      const rmm = rmmRealm(machine, realm);
      if (!rmm) return [out.error(`realm "${realm.name}" no longer exists in the RMM`)];
      if (ipaWord !== undefined) {
        const ipa = parseAddr(ipaWord, 'ipa');
        if (!ipa.ok) return usageError(ipa.error);
        if (ipa.value >= 2 ** rmm.ipaWidth)
          return usageError(`<ipa> is outside the ${rmm.ipaWidth}-bit IPA space`);
        const walk = walkRtt(machine.state, rmm, ipa.value);
        const e = walk.entry;
        return [
          out.line(
            `  walk of ${hex(ipa.value)} stops at level ${walk.level} (RTT ${hex(walk.rtt)}, entry ${walk.index})`,
          ),
          out.line(
            `  ${e.state}${'ripas' in e ? ` RIPAS ${e.ripas}` : ''}${'pa' in e ? ` -> ${hex(e.pa)}` : ''}`,
          ),
          // An NS leaf is the host's own descriptor: show it as RTT_MAP_UNPROTECTED takes it.
          ...(e.state === 'ASSIGNED_NS' && 'attr' in e
            ? [out.dim(`  desc ${hex(e.pa + e.attr)} (output address + MemAttr and S2AP bits)`)]
            : []),
        ];
      }
      const entries = rttEntries(machine.state, realm.rd).filter(
        (v) =>
          v.entry.state !== 'UNASSIGNED_NS' &&
          !(v.entry.state === 'UNASSIGNED' && v.entry.ripas === 'EMPTY'),
      );
      if (entries.length === 0) return [out.dim('  nothing mapped and no RIPAS set')];
      return [
        out.accent('  IPA              level  state          RIPAS      PA'),
        ...entries.map((v) => {
          const e = v.entry;
          return out.line(
            `  ${hex(v.ipa).padEnd(16)} ${String(v.level).padEnd(6)} ${e.state.padEnd(14)} ${('ripas' in e ? e.ripas : '-').padEnd(10)} ${'pa' in e ? hex(e.pa) : ''}`,
          );
        }),
      ];
    },
  },
  {
    name: 'measure',
    usage: '<realm>',
    summary: "a realm's RIM and REMs (the RMM's values; lab view of the RD)",
    help: [
      'The RD is in the Realm PAS: a real host cannot read it. It can recompute the RIM it',
      'expects from its own RMI calls; the realm reads its measurements with RSI.',
    ],
    run([name, extra], { machine }) {
      const realm = named(machine, name);
      if ('usageError' in realm) return realm;
      if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
      const rmm = rmmRealm(machine, realm);
      if (!rmm) return [out.error(`realm "${realm.name}" no longer exists in the RMM`)];
      return [
        out.dim(`  lab view of RD ${hex(realm.rd)} (${rmm.hashAlgo}, ${rmm.state})`),
        out.line(`  RIM  ${digestHex(rmm, rmm.rim)}`),
        ...rmm.rems.map((rem, i) => out.line(`  REM${i} ${digestHex(rmm, rem)}`)),
      ];
    },
  },
];
