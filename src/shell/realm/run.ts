/**
 * How every realm-shell command runs: it queues guest operations (emulator guest/ops.ts) on
 * REC 0 of the realm, has the host's VMM run the realm until it is idle again (host/vmm.ts),
 * and prints what the realm saw (the operations' results) after, dimmed, the REC exits the
 * host handled on the way, the RMM's failure condition for each RSI call it refused and its
 * reason for each access that took a synchronous external abort at stage 2, then the ledger's judgement of what the run moved: every blocked
 * flow and every leak, in the same sentence the Pipeline drawing shows (policy/judge.ts), so
 * the terminal and the diagram cannot disagree about an event. Spec background: cca-spec.md
 * §2.5 (exits), §4 (RSI); mica-spec.md §1.3 (what counts as a leak).
 */
import {
  GUEST_MODEL,
  enqueueGuestOps,
  hostRealm,
  hostRealms,
  runRealm,
  takeGuestResults,
  type ExitReport,
  type GuestOp,
  type GuestResult,
  type Machine,
} from '../../emulator/index.ts';
import { declaredPassage, judgeFlow, micaOf, realmNamer } from '../../policy/index.ts';
import { hex } from '../../lib/hex.ts';
import { didYouMean } from '../../lib/suggest.ts';
import { out, type OutputLine } from '../types.ts';

/** How stage 2 words an access an extension (the Mica monitor) decided (rmm/stage2.ts). */
const EXTENSION_REASON = 'extension mapping';

/** At most this many judgement lines per command; the ledger has the rest. */
const MAX_JUDGEMENTS = 6;

/** What realm commands talk to: the machine and the realm this terminal belongs to. */
export interface RealmEnv {
  readonly machine: Machine;
  /** The VMM's name of the realm. */
  readonly realm: string;
  /**
   * The shipped files the current lesson withholds ({@link Withholding}): `policy show` and
   * `policy upload` refuse them (read at each use, so starting or leaving a lesson changes it
   * without a new terminal).
   */
  readonly withheld?: () => Withholding;
}

/**
 * Which shipped policy files a lesson withholds: every file of `realms` (as the examples name
 * them, e.g. `encoder`) whose policy it asks the learner to write, except the files of the
 * `drafts` examples (the draft a fix-it lesson hands out to be fixed).
 */
export interface Withholding {
  readonly realms: readonly string[];
  readonly drafts: readonly string[];
}

/** Nothing withheld (no lesson). */
export const NO_WITHHOLDING: Withholding = { realms: [], drafts: [] };

/** Whether `w` withholds example `example`'s file of realm `realm`. */
export function withholds(w: Withholding, example: string, realm: string): boolean {
  return w.realms.includes(realm) && !w.drafts.includes(example);
}

/**
 * What a realm terminal says when the host's VMM has no realm called `name`: a realm that
 * exists but no host model recorded (built by hand with "rmi" calls; a state saved before the
 * workflows' host recorded its realms) has a name in the Mica monitor and in every view, but
 * the VMM has no record to run it by, so there is no terminal; anything else is to be created.
 * The realms a Pipeline Run or a scenario file built are recorded (emulator host/state.ts
 * `recordRealm`) and have terminals.
 */
export function noRealmLines(machine: Machine, name: string): OutputLine[] {
  const known = Object.entries(micaOf(machine.state)?.realms ?? {}).some(
    ([rd, r]) => r.name === name && machine.state.rmm.realms[rd] !== undefined,
  );
  return known
    ? [
        out.error(
          `realm "${name}" was built with "rmi" calls, not by "realm create" or a Run: the host's VMM has no record of it to run it by, so it has no terminal`,
        ),
        out.dim(
          '  Its flows are in the Ledger, Pipeline and Data views; realms you build with "realm create <name>" get a terminal.',
        ),
      ]
    : [out.error(`no realm called "${name}"${misspelt(machine, name)}`)];
}

/**
 * A realm name the host's VMM has that `name` looks like a typo of: ` (did you mean "x"?)`;
 * otherwise the way to make one. A typo must not send the learner off to create a new realm.
 */
function misspelt(machine: Machine, name: string): string {
  const live = hostRealms(machine)
    .filter((r) => machine.state.rmm.realms[hex(r.rd)] !== undefined)
    .map((r) => r.name);
  return didYouMean(name, live) || ' (create it in the host terminal)';
}

/** Formats one exit as the dim line the realm terminal shows. */
export function exitLine(e: ExitReport): OutputLine {
  const detail = e.detail ? `: ${e.detail}` : '';
  return out.dim(`  [host] REC ${e.rec} ${e.reason}${detail} -> ${e.action}`);
}

/** Lines for device output that appeared during a run (the realm's console is its screen). */
function outputLines(exits: readonly ExitReport[]): OutputLine[] {
  const lines: OutputLine[] = [];
  for (const e of exits) {
    if (!e.output) continue;
    const tag = e.output.device === 'console' ? 'console' : 'net';
    const labels = e.output.labels.length > 0 ? `   [labels: ${e.output.labels.join(', ')}]` : '';
    for (const text of e.output.text.replace(/\n$/, '').split('\n')) {
      lines.push(out.line(`${tag}> ${text}`));
    }
    if (labels) lines.push(out.warn(`  the host saw labelled data on its ${tag}${labels}`));
  }
  return lines;
}

/** The boot line (if the guest booted during this run). */
function bootLines(results: readonly GuestResult[]): OutputLine[] {
  return results
    .filter((r) => r.op === 'boot')
    .map((r) =>
      r.ok
        ? out.dim(`  [guest] booted: application "${r.values.app ?? '?'}", ${r.values.ram ?? ''}`)
        : out.error(`  [guest] boot failed: ${r.error ?? ''}`),
    );
}

/**
 * What the guest application's own program did at boot (its results are not the command's):
 * failures in red, successes dimmed, each tagged with the application's name.
 */
function appLines(results: readonly GuestResult[]): OutputLine[] {
  return resultLines(results).map((line, i) => {
    const tag = `  [app "${results[i]?.app ?? '?'}"] `;
    return results[i]?.ok ? out.dim(tag + line.text) : out.error(tag + line.text);
  });
}

/**
 * The ledger's verdicts on the flows after `since`: one line per distinct blocked flow or leak
 * (repeats counted), skipping the channels in `except` (a command that reports those itself).
 */
export function judgementLines(
  machine: Machine,
  since: number,
  except: readonly string[] = [],
): OutputLine[] {
  const nameOf = realmNamer(machine.state);
  // The tenant's declared way out (its gateway and sanitisers, by RIM) is no leak here either.
  const passage = declaredPassage(machine.state);
  const seen = new Map<string, { line: (count: number) => OutputLine; count: number }>();
  // Densely numbered: start at `since` by index rather than walk the whole history.
  const ledger = machine.ledger;
  const first = Math.max(0, since + 1 - (ledger[0]?.seq ?? since + 1));
  for (let i = first; i < ledger.length; i++) {
    const e = ledger[i]!;
    if (e.seq <= since || e.kind !== 'flow' || except.includes(e.channel)) continue;
    const j = judgeFlow(e, nameOf, passage, ledger);
    if (j.outcome === 'allowed') continue;
    const entry = seen.get(j.text);
    if (entry) {
      entry.count++;
      continue;
    }
    // CLEAN (mica-spec.md §3.7) is the monitor protecting a page nobody maps any more, not
    // an attempt it stopped: said as done, not in an attempt's red (a teardown in
    // 05-attacks/06 printed the wipe the lesson is about as a red ✖).
    const clean = e.channel === 'clean';
    const icon = j.outcome === 'leak' ? '⚠' : clean ? '✓' : '✖';
    const tone = clean ? out.ok : out.error;
    seen.set(j.text, {
      count: 1,
      line: (count) =>
        tone(`  ${icon} #${j.seq} ${j.text}${count > 1 ? ` (×${count})` : ''}  [${j.clause}]`),
    });
  }
  const lines = [...seen.values()].map((v) => v.line(v.count));
  if (lines.length <= MAX_JUDGEMENTS) return lines;
  return [
    ...lines.slice(0, MAX_JUDGEMENTS),
    out.dim(`  ... ${lines.length - MAX_JUDGEMENTS} more in the ledger`),
  ];
}

/**
 * The RMM's reasons for the accesses of the run after `since` that took a synchronous external
 * abort at stage 2 (cca-spec.md §3.4: an address outside the IPA space, RIPAS EMPTY, a fetch
 * from unprotected memory), or that made an exit the host answered with an SEA (`seaIpas`, the
 * IPAs the guest's results took one at: an NS page mapped without the access's permission):
 * the guest's own result says only that its access was refused, and a mistyped address or
 * descriptor would leave the learner guessing. One line per distinct reason (repeats
 * counted). An extension's refusals (Mica's windows) are flows, said by {@link judgementLines}.
 */
export function refusedAccessLines(
  machine: Machine,
  since: number,
  seaIpas: ReadonlySet<number> = new Set(),
): OutputLine[] {
  const seen = new Map<string, { line: (count: number) => OutputLine; count: number }>();
  const ledger = machine.ledger;
  const first = Math.max(0, since + 1 - (ledger[0]?.seq ?? since + 1));
  for (let i = first; i < ledger.length; i++) {
    const e = ledger[i]!;
    if (e.seq <= since || e.kind !== 'realm:access') continue;
    // An exit the host answered with an injected SEA (a permission fault it could not fix):
    // stage 2's reason for the exit is the reason the access failed.
    if (e.outcome !== 'sea' && !(e.outcome === 'exit' && seaIpas.has(e.ipa))) continue;
    if (e.decision.reason.startsWith(EXTENSION_REASON)) continue;
    const entry = seen.get(e.decision.reason);
    if (entry) {
      entry.count++;
      continue;
    }
    const what = `${e.op} of ${e.size} B at IPA ${hex(e.ipa)}`;
    seen.set(e.decision.reason, {
      count: 1,
      line: (count) =>
        out.error(
          `  ✖ #${e.seq} ${what}: ${e.decision.reason}${count > 1 ? ` (×${count})` : ''}  [${e.decision.rule}]`,
        ),
    });
  }
  const lines = [...seen.values()].map((v) => v.line(v.count));
  if (lines.length <= MAX_JUDGEMENTS) return lines;
  return [
    ...lines.slice(0, MAX_JUDGEMENTS),
    out.dim(`  ... ${lines.length - MAX_JUDGEMENTS} more in the ledger`),
  ];
}

/**
 * The RMM's reasons for the RSI calls of the run after `since` that it refused by a failure
 * condition (DEN0137 B5.3, e.g. RSI_IPA_STATE_SET's \`size_valid\`): the guest's own result
 * carries only the status (\`RSI_ERROR_INPUT\`), which does not say which argument was wrong.
 * Worded as the host terminal words an RMI refusal. A refusal an extension decided (\`by\`, the
 * Mica monitor) is a flow, said by {@link judgementLines}.
 */
export function rsiRefusalLines(machine: Machine, since: number): OutputLine[] {
  const ledger = machine.ledger;
  const first = Math.max(0, since + 1 - (ledger[0]?.seq ?? since + 1));
  const realmCalls = new Set<number>();
  const lines: OutputLine[] = [];
  for (let i = first; i < ledger.length; i++) {
    const e = ledger[i]!;
    if (e.seq <= since) continue;
    if (e.kind === 'smc:call' && e.world === 'REALM') realmCalls.add(e.seq);
    if (e.kind !== 'smc:return' || !e.failure || e.failure.by || !realmCalls.has(e.call)) continue;
    lines.push(
      out.error(
        `  ✖ #${e.seq} ${e.name} -> ${e.status}: failed ${e.failure.label} (the RMM's condition): ${e.failure.reason}`,
      ),
    );
  }
  if (lines.length <= MAX_JUDGEMENTS) return lines;
  return [
    ...lines.slice(0, MAX_JUDGEMENTS),
    out.dim(`  ... ${lines.length - MAX_JUDGEMENTS} more in the ledger`),
  ];
}

/** Options of {@link runOps}. */
export interface RunOptions {
  /** Flow channels the command reports itself (left out of the judgement lines). */
  readonly except?: readonly string[];
}

/** Queues `ops`, runs the realm until idle, and formats results with `format`. */
export function runOps(
  env: RealmEnv,
  ops: readonly GuestOp[],
  format: (results: readonly GuestResult[]) => OutputLine[],
  options: RunOptions = {},
): OutputLine[] {
  const { machine } = env;
  const realm = hostRealm(machine, env.realm);
  if (!realm) return noRealmLines(machine, env.realm);
  if (machine.guest !== GUEST_MODEL) {
    return [
      out.error(
        'this machine does not run the lab guest model; create it with { guest: GUEST_MODEL }',
      ),
    ];
  }
  const rec0 = realm.recs[0];
  if (rec0 === undefined) return [out.error(`realm "${env.realm}" has no REC`)];
  const since = machine.ledger.at(-1)?.seq ?? 0;
  enqueueGuestOps(machine.state, rec0, ops);
  const report = runRealm(machine, env.realm);
  const results = takeGuestResults(machine.state, rec0);
  const lines: OutputLine[] = [...report.exits.map(exitLine), ...bootLines(results)];
  lines.push(...outputLines(report.exits));
  lines.push(...appLines(results.filter((r) => r.app !== undefined)));
  lines.push(...format(results.filter((r) => r.op !== 'boot' && r.app === undefined)));
  lines.push(...rsiRefusalLines(machine, since));
  const seaIpas = new Set(results.flatMap((r) => (r.seaIpa === undefined ? [] : [r.seaIpa])));
  lines.push(...refusedAccessLines(machine, since, seaIpas));
  lines.push(...judgementLines(machine, since, options.except));
  if (report.stop === 'off')
    lines.push(out.warn('the realm is off (SYSTEM_OFF): nothing runs any more'));
  if (report.stop === 'limit') lines.push(out.warn('the host stopped after too many exits'));
  if (report.stop === 'stuck') lines.push(out.warn(`host: ${report.error ?? 'stuck'}`));
  if (report.stop === 'error') lines.push(out.error(`host: ${report.error ?? 'error'}`));
  return lines;
}

/**
 * Standard formatting: one line per result, status and values, errors in red; each named `as`
 * (the command the learner typed) or else by its op.
 */
export function resultLines(results: readonly GuestResult[], as?: string): OutputLine[] {
  return results.map((r) => {
    // Named as the learner typed it when the command is not the op (`console` runs `send`).
    const name = as ?? r.op;
    const status = r.status ? ` ${r.status}` : '';
    const values = Object.entries(r.values)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    if (!r.ok) return out.error(`${name}:${status} ${r.error ?? values}`.trimEnd());
    return out.ok(`${name}:${status} ${values}`.trimEnd());
  });
}
