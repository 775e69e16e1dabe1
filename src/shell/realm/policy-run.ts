/**
 * Realm `policy` command, its implementation (mica-spec.md §3.3-§3.4): loaded when the command
 * first runs (issue 14: the policy parser, the examples and the encoder are not on the first
 * screen). The command's row, its help and `policyUploadLine` are in policy.ts, which says what
 * the command does.
 *
 * Design rationale: an example's hash labels are bound to the RIMs of the realms named like
 * the example's realms (§8 item 3), as the scenario builder does, so a learner only has to
 * name the realms after the example (gateway, encoder, ...). Text is uploaded as typed.
 */
import { abi, hostRealm, type GuestOp, type Machine } from '../../emulator/index.ts';
import { toHex } from '../../lib/bytes.ts';
import { didYouMean } from '../../lib/suggest.ts';
import {
  MICA_EXT,
  WORKFLOW_EXAMPLES,
  encodePoly,
  examplePolicy,
  formatPolicyText,
  micaAbi,
  parsePolicy,
  policyOf,
  toPolicyPage,
  type MicaState,
  type Policy,
  type WorkflowExample,
} from '../../policy/index.ts';
import {
  badSubcommand,
  out,
  usageError,
  type CommandMeta,
  type OutputLine,
  type UsageError,
} from '../types.ts';
import { policyBlobs } from './group.ts';
import {
  NO_WITHHOLDING,
  noRealmLines,
  runOps,
  withholds,
  type RealmEnv,
  type Withholding,
} from './run.ts';

/** RSI_MEASUREMENT_READ index of REM0 (0 is the RIM, 1..4 are REM0..REM3; cca-spec.md §4.1). */
const REM0_INDEX = 1;

const RSI_NAMES = ['RSI_SUCCESS', 'RSI_ERROR_INPUT', 'RSI_ERROR_STATE', 'RSI_INCOMPLETE'];

function mica(machine: Machine): MicaState | undefined {
  return machine.state.ext[MICA_EXT] as MicaState | undefined;
}

/**
 * Finds `<example>` or `<example>/<realm>` for the realm `self`; the file of a realm whose
 * policy the lesson asks the learner to write (`withheld`) is refused, with where to start.
 */
function findExample(
  word: string,
  self: string,
  withheld: Withholding = NO_WITHHOLDING,
): { example: WorkflowExample; index: number } | UsageError {
  const parts = word.split('/');
  const [id = '', realmName] = parts;
  if (id === '' || realmName === '' || parts.length > 2) {
    return usageError(
      `"${word}" is not <example> or <example>/<realm> ("policy list" shows the examples; or give policy text in quotes)`,
    );
  }
  const example = WORKFLOW_EXAMPLES.find((e) => e.id === id);
  if (!example) {
    const ids = WORKFLOW_EXAMPLES.map((e) => e.id);
    return usageError(
      `no example "${id}"${didYouMean(id, ids)} ("policy list" shows them; or give policy text in quotes)`,
    );
  }
  const want = (realmName ?? self).toLowerCase();
  const index = example.realms.findIndex((r) => r.name.toLowerCase() === want);
  if (index < 0) {
    const names = example.realms.map((r) => r.name.toLowerCase());
    return usageError(
      `example "${example.id}" has no realm "${want}"${didYouMean(want, names)} (realms: ${names.join(', ')}); use ${example.id}/<realm>`,
    );
  }
  if (withholds(withheld, example.id, want)) {
    const other = example.realms
      .map((r) => r.name.toLowerCase())
      .find((name) => !withholds(withheld, example.id, name));
    return usageError(
      `this lesson asks you to write the ${want}'s policy yourself, so no shipped ${want} file is handed out (${example.id}/${want} withheld); start from ${other ? `"policy show ${example.id}/${other}" or ` : ''}another realm's accepted policy (Policy tab, Start from)`,
    );
  }
  return { example, index };
}

/**
 * The example's policy for realm `index`, hash labels bound to the realms' RIMs (§8 item 3):
 * the one binding the scenario builder uses too (examplePolicy), so `policy show` prints what
 * `policy upload` and the Pipeline's Run upload.
 */
function boundPolicy(
  machine: Machine,
  example: WorkflowExample,
  index: number,
): { policy: Policy; notes: OutputLine[] } | UsageError {
  const m = mica(machine);
  const firstCome = !m || m.gaps.includes('gap-first-come-labels');
  const rimOf = (name: string) => {
    const host = hostRealm(machine, name.toLowerCase());
    return host ? machine.state.rmm.realms['0x' + host.rd.toString(16)]?.rim : undefined;
  };
  const bound = examplePolicy(example, index, firstCome ? undefined : rimOf);
  if (!bound.ok) return usageError(`example does not parse: ${bound.error}`);
  const notes = bound.value.unbound.map((u) =>
    out.warn(
      `  ${u.vm}: no realm "${u.realm.toLowerCase()}" yet, label left at 0x${u.hash.toString(16)}`,
    ),
  );
  return { policy: bound.value.policy, notes };
}

function resolve(
  env: RealmEnv,
  args: readonly string[],
  quoted: readonly boolean[],
): { policy: Policy; notes: OutputLine[]; source: string } | UsageError {
  const word = args[0];
  if (word === undefined) return usageError('missing <example> or "<policy text>"');
  if (quoted[0] || word.trim().startsWith('{') || word.includes('"')) {
    const parsed = parsePolicy(args.join(' '));
    if (!parsed.ok)
      return usageError(
        `policy text does not parse: ${parsed.errors.map((e) => e.message).join('; ')}`,
      );
    return { policy: parsed.policy, notes: [], source: 'typed text' };
  }
  const found = findExample(word, env.realm, env.withheld?.());
  if ('usageError' in found) return found;
  const bound = boundPolicy(env.machine, found.example, found.index);
  if ('usageError' in bound) return bound;
  return {
    ...bound,
    source: `${found.example.id}/${found.example.realms[found.index]!.name.toLowerCase()}`,
  };
}

/**
 * The text `policy show <example>[/<realm>]` prints for realm `realm`: the example's file with
 * hash labels bound to the RIMs of the realms named like the example's (the editor's loader).
 */
export function examplePolicyText(
  machine: Machine,
  realm: string,
  word: string,
  withheld: Withholding = NO_WITHHOLDING,
): { ok: true; text: string; source: string } | { ok: false; error: string } {
  const found = findExample(word, realm, withheld);
  if ('usageError' in found) return { ok: false, error: found.usageError };
  const bound = boundPolicy(machine, found.example, found.index);
  if ('usageError' in bound) return { ok: false, error: bound.usageError };
  return {
    ok: true,
    text: formatPolicyText(bound.policy),
    source: `${found.example.id}/${found.example.realms[found.index]!.name.toLowerCase()}`,
  };
}

/**
 * The clause that BLOCKs the SMCs of the realm uploading `p` (a CF rule of type CALL whose
 * range holds the SMC64 exception class, owned by `self`, mica-spec.md §2.2.4, §3.6), by name:
 * in `p` itself, or in an accepted neighbour's file (the transition table is the pipeline's,
 * and a gateway's file may restrict the encoder); undefined when the realm may make SMCs.
 */
function smcBlockedBy(p: Policy, monitor: MicaState | undefined): string | undefined {
  const selfHash = p.vms[p.self]?.hash;
  const blocks = (q: Policy) =>
    q.cfs.find(
      (c) =>
        c.type === 'CALL' &&
        c.policy === 'BLOCK' &&
        c.range.includes(micaAbi.ESR_EC_SMC64) &&
        c.owner !== 'NONE' &&
        q.vms[c.owner]?.hash === selfHash,
    );
  const own = blocks(p);
  if (own) return own.name;
  for (const r of Object.values(monitor?.realms ?? {})) {
    const q = r.order > 0 ? policyOf(r) : undefined;
    const cf = q && blocks(q);
    if (cf) return `${cf.name} of ${r.name || 'a neighbour'}'s file`;
  }
  return undefined;
}

/** Keeps the first and last host lines of a long run and counts the rest. */
function compress(lines: OutputLine[]): OutputLine[] {
  const host = lines.filter((l) => l.text.startsWith('  [host]'));
  if (host.length <= 6) return lines;
  const keep = new Set([...host.slice(0, 3), ...host.slice(-2)]);
  const outLines: OutputLine[] = [];
  let skipped = 0;
  for (const l of lines) {
    if (l.text.startsWith('  [host]') && !keep.has(l)) {
      if (skipped++ === 0)
        outLines.push(out.dim(`  [host] ... ${host.length - 5} more exits like these ...`));
      continue;
    }
    outLines.push(l);
  }
  return outLines;
}

function upload(
  env: RealmEnv,
  args: readonly string[],
  quoted: readonly boolean[],
): OutputLine[] | UsageError {
  const { machine } = env;
  const realm = hostRealm(machine, env.realm);
  if (!realm) return noRealmLines(machine, env.realm);
  const r = resolve(env, args, quoted);
  if ('usageError' in r) return r;
  const p = r.policy;
  const enc = encodePoly(p);
  if (!enc.ok)
    return usageError(`policy does not encode: ${enc.errors.map((e) => e.message).join('; ')}`);
  const page = toPolicyPage(enc.bytes);
  if (!page) return usageError('policy does not fit in one 4 KiB page');
  const ops: GuestOp[] = [];
  let touched = 0;
  const uploadedBefore = mica(machine)?.realms['0x' + realm.rd.toString(16)]?.uploaded === true;
  // Once a policy is accepted its windows are live and policed: touching them again would
  // read windows the realm may only write (Mem3 for the moderator) and the ledger would show
  // blocked reads the learner never asked for; the second upload is refused anyway (§3.3).
  if (!uploadedBefore)
    for (const mem of p.mems) {
      const own = mem.mappings.find((mp) => mp.vm === p.self);
      if (mem.type !== 'PROTECTED' || !own) continue;
      const pages = Math.ceil(Number(mem.size) / abi.GRANULE_SIZE);
      for (let k = 0; k < pages; k++)
        ops.push({ op: 'read', ipa: Number(own.gpa) + k * abi.GRANULE_SIZE, len: 1 });
      touched += pages;
    }
  const polyIpa = (realm.ramPages - 1) * abi.GRANULE_SIZE;
  ops.push({ op: 'write', ipa: polyIpa, data: toHex(page) });
  ops.push({ op: 'smc', fid: micaAbi.SMC_RSI_UPLOAD_POLICY, args: ['0x' + polyIpa.toString(16)] });
  // RSI_MEASUREMENT_READ index 0 is the RIM; REM0, which the monitor extends with the
  // policy record (mica-spec.md §4.1), is index REM0_INDEX. Once a file that BLOCKs the
  // realm's own SMCs (CALL 0x17, §2.2.4) is in force, the monitor refuses that read: the
  // program does not make a call its own policy forbids (the ledger would show a blocked
  // attempt the learner never made), and the command prints the RMM's record instead.
  const smcBlock = smcBlockedBy(p, mica(machine));
  if (!smcBlock) ops.push({ op: 'measure-read', index: REM0_INDEX });
  const before = machine.ledger.length;
  const lines = runOps(
    env,
    ops,
    (results) => {
      const outl: OutputLine[] = [];
      const reads = results.filter((x) => x.op === 'read');
      const failedReads = reads.filter((x) => !x.ok);
      if (!uploadedBefore)
        outl.push(
          (failedReads.length ? out.warn : out.dim)(
            `  [guest] prefaulted ${touched} page(s) of its protected windows${failedReads.length ? `, ${failedReads.length} failed (${failedReads[0]?.error ?? ''}): is the object wired with "mica share" on the host?` : ''}`,
          ),
        );
      const smc = results.find((x) => x.op === 'smc');
      const x0 = smc ? Number(BigInt(smc.values.x0 ?? '0x0')) : undefined;
      const flows = machine.ledger.slice(before).filter((e) => e.kind === 'flow');
      const decision =
        flows.filter((e) => e.channel === 'policy-upload').at(-1) ??
        flows.filter((e) => e.kind === 'flow' && e.decision.verdict === 'blocked').at(-1);
      const status = x0 === undefined ? 'no answer' : (RSI_NAMES[x0] ?? `0x${x0.toString(16)}`);
      if (x0 === abi.RSI_SUCCESS)
        outl.push(
          out.ok(
            `policy upload: ${status} (${r.source}, POLY page at ${'0x' + polyIpa.toString(16)})`,
          ),
        );
      else outl.push(out.error(`policy upload: ${status}: refused (${r.source})`));
      if (decision && decision.kind === 'flow')
        outl.push(
          (decision.decision.verdict === 'allowed' ? out.line : out.error)(
            `  monitor: ${decision.decision.verdict} by ${decision.decision.rule}: ${decision.decision.reason}`,
          ),
        );
      // A second file: what refused it (often the first file's own CALL rule, which polices
      // the upload's SMC) says nothing of why no second file can ever be accepted (§3.3).
      if (uploadedBefore && x0 !== abi.RSI_SUCCESS)
        outl.push(
          out.warn(
            `  ${env.realm} already holds an accepted policy: one upload per realm (upload:one-shot, §3.3). To change it, redeploy ${env.realm}: host terminal "realm destroy ${env.realm}", "realm create ${env.realm}" with the same options (same RIM, same label), "mica share" its windows again, then upload.`,
          ),
        );
      else if (!mica(machine))
        outl.push(
          out.warn('  no Mica monitor on this machine (cca mode): the RMM does not know this call'),
        );
      const rem = results.find((x) => x.op === 'measure-read');
      const rems = machine.state.rmm.realms['0x' + realm.rd.toString(16)]?.rems;
      if (smcBlock && rems?.[0]) {
        outl.push(
          out.line(`  REM0 ${rems[0].slice(0, 64)}`),
          out.dim(
            x0 === abi.RSI_SUCCESS
              ? `    (the RMM's record: ${smcBlock} now blocks this realm's own SMCs, so it does not ask with RSI_MEASUREMENT_READ)`
              : "    (the RMM's record: unchanged, the file was refused)",
          ),
        );
      } else if (rem?.ok && rem.data) {
        const algo = machine.state.rmm.realms['0x' + realm.rd.toString(16)]?.hashAlgo;
        outl.push(out.line(`  REM0 ${algo === 'sha-512' ? rem.data : rem.data.slice(0, 64)}`));
      } else if (rem) {
        outl.push(
          out.warn(
            `  REM0: ${rem.error ?? 'unreadable'} ${rem.status ?? ''} (the realm's own SMCs are now policed by its policy)`.replace(
              /\s+\(/,
              ' (',
            ),
          ),
        );
        if (rems?.[0]) outl.push(out.dim(`  REM0 in the RMM's record: ${rems[0].slice(0, 64)}`));
      }
      return outl;
    },
    { except: ['policy-upload'] },
  );
  return [...compress(lines), ...r.notes];
}

/** Runs `policy <args>` in realm `env` (the command's table row is in policy.ts). */
export function runPolicy(
  args: readonly string[],
  env: RealmEnv,
  meta: CommandMeta,
): OutputLine[] | UsageError {
  const [sub, ...rest] = args;
  if (sub === 'list' || sub === undefined) {
    return [
      out.accent('Workflow examples (policy show|upload <id>[/<realm>]):'),
      ...WORKFLOW_EXAMPLES.map((e) =>
        out.line(
          `  ${e.id.padEnd(20)} ${e.realms.map((x) => x.name.toLowerCase()).join(', ')}  ${e.title}`,
        ),
      ),
    ];
  }
  if (sub === 'show') {
    if (rest[0] === undefined) return usageError('missing <example>');
    const r = resolve(env, rest, meta.quoted.slice(1));
    if ('usageError' in r) return r;
    return [
      out.accent(`${r.source}:`),
      ...formatPolicyText(r.policy)
        .split('\n')
        .map((l) => out.line(l)),
      ...r.notes,
    ];
  }
  if (sub === 'upload') return upload(env, rest, meta.quoted.slice(1));
  if (sub === 'blob' || sub === 'blobs') return policyBlobs(env, sub === 'blobs', rest);
  return badSubcommand(sub, ['list', 'show', 'upload', 'blob', 'blobs']);
}
