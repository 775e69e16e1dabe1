/**
 * Policy → text. `formatPolicyText` writes dialect-C policy text (mica-spec.md §2.2.1) that
 * parses back to the same model, in the layout of the shipped files (§2.8) and of the decoded
 * debugfs view (§4.4). `describePolicy` is the human summary the CLI and the UI show, with the
 * dialect-P terms next to their C meaning when the policy was written in P (§2.4, §8 item 1).
 */
import {
  ANY_COUNT_UNLIMITED,
  ESR_EC_SMC64,
  EXCEPTION_EXIT_RANGE,
  MEM_PAGE_SIZE,
  OTHER_RANGE,
} from './abi.ts';
import {
  vmLabel,
  type CfPolicy,
  type Policy,
  type PolicyCf,
  type PolicyMem,
  type PolicyVm,
} from './model.ts';
import { hex } from '../lib/hex.ts';

export { hex };

function q(text: string): string {
  return JSON.stringify(text);
}

function vmText(vm: PolicyVm): string {
  return `  ${q(vm.name)}: { "hash": ${hex(vm.hash)}, "is-gateway": ${vm.isGateway}, "strict": ${vm.strict} }`;
}

function memText(policy: Policy, mem: PolicyMem): string {
  const maps = mem.mappings.map((m) => {
    const count = m.vm === 'ANY' ? `, "any-count": ${m.anyCount}` : '';
    return `      ${q(vmLabel(policy, m.vm))}: { "gpa": ${hex(m.gpa)}, "prot": ${q(m.prot)}${count} }`;
  });
  return [
    `  ${q(mem.name)}: {`,
    `    "size": ${hex(mem.size)},`,
    `    "type": ${q(mem.type)},`,
    `    "mappings": {`,
    maps.join(',\n'),
    `    }`,
    `  }`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function cfText(policy: Policy, cf: PolicyCf): string {
  return [
    `  ${q(cf.name)}: {`,
    `    "owner": ${q(vmLabel(policy, cf.owner))},`,
    `    "type": ${q(cf.type)},`,
    `    "range": [${cf.range.map(hex).join(', ')}],`,
    `    "policy": ${q(cf.policy)}`,
    `  }`,
  ].join('\n');
}

/**
 * Dialect-C text of `policy`. Rules whose name is not a unique `CF…` key (e.g. the rules
 * translated from one dialect-P channel, which share its name) are renamed `CF<n>`. Values only a binary can
 * hold (ANY count −1, CF owner NONE) are written as such and will not parse back.
 */
export function formatPolicyText(policy: Policy): string {
  // A C rule key must start with CF and be unique in 4 characters; rename the others CF<n>.
  const keep = policy.cfs.map(
    (cf, i) => cf.name.startsWith('CF') && policy.cfs.findIndex((o) => o.name === cf.name) === i,
  );
  const used = new Set(policy.cfs.filter((_, i) => keep[i]).map((cf) => cf.name));
  let n = 1;
  const cfs = policy.cfs.map((cf, i) => {
    if (keep[i]) return cf;
    let name = `CF${n++}`;
    while (used.has(name)) name = `CF${n++}`;
    used.add(name);
    return { ...cf, name };
  });
  const self = `  "Self": ${q(vmLabel(policy, policy.self))}`;
  const blocks = [
    [self, ...policy.vms.map(vmText)].join(',\n'),
    ...policy.mems.map((m) => memText(policy, m)),
    ...cfs.map((cf) => cfText(policy, cf)),
  ];
  return `{\n${blocks.join(',\n\n')}\n}\n`;
}

function flags(vm: PolicyVm, dialect: Policy['dialect']): string {
  const c = `${vm.isGateway ? 'gateway' : 'not a gateway'}, ${vm.strict ? 'strict' : 'not strict'}`;
  if (dialect === 'P' && vm.legacy) {
    return `allowed-untrusted ${vm.isGateway}, allowed-other-mappings ${vm.legacy.allowedOtherMappings} (= ${c})`;
  }
  return c;
}

function pages(size: bigint): string {
  const n = size / BigInt(MEM_PAGE_SIZE);
  const whole = size % BigInt(MEM_PAGE_SIZE) === 0n;
  return whole ? `${n} page${n === 1n ? '' : 's'}` : 'not a whole number of pages';
}

/** Multi-line human summary: dialect, self, realms, objects, rules. */
export function describePolicy(policy: Policy): string {
  const lines: string[] = [];
  const self = policy.vms[policy.self];
  lines.push(
    `dialect ${policy.dialect}${policy.dialect === 'P' ? ' (paper/legacy, translated to C)' : ''}`,
  );
  lines.push(`self ${self?.name ?? `#${policy.self}`}${self ? ` (hash ${hex(self.hash)})` : ''}`);
  lines.push(`realms (${policy.vms.length}):`);
  policy.vms.forEach((vm, i) => {
    const mark = i === policy.self ? '  <- self' : '';
    lines.push(`  ${vm.name.padEnd(4)} hash ${hex(vm.hash)}: ${flags(vm, policy.dialect)}${mark}`);
  });
  lines.push(`objects (${policy.mems.length}):`);
  for (const mem of policy.mems) {
    lines.push(`  ${mem.name.padEnd(4)} ${mem.type} ${hex(mem.size)} bytes (${pages(mem.size)})`);
    if (mem.legacy) {
      const props = ['PROTECTED', 'FRESH'].filter((p) =>
        p === 'FRESH' ? mem.legacy!.fresh : mem.type === 'PROTECTED',
      );
      lines.push(
        `       properties ${props.join('|') || '(none)'}, on-remove ${mem.legacy.clean ? 'CLEAN' : 'NONE'}, owner ${mem.legacy.owner === null ? '(none)' : vmLabel(policy, mem.legacy.owner)}, mapped ${mem.legacy.mapped}`,
      );
    }
    for (const m of mem.mappings) {
      const count =
        m.vm === 'ANY'
          ? `, up to ${m.anyCount === ANY_COUNT_UNLIMITED ? 'any number of' : m.anyCount} other realm${m.anyCount === 1 ? '' : 's'}`
          : '';
      lines.push(
        `       ${vmLabel(policy, m.vm).padEnd(4)} ${m.prot.padEnd(2)} at ${hex(m.gpa)}${count}`,
      );
    }
  }
  lines.push(`rules (${policy.cfs.length}):`);
  for (const cf of policy.cfs) {
    const from = cf.legacy
      ? ` (from ${cf.legacy.channel}: range ${cf.legacy.range.join('|')}, policy ${cf.legacy.policy})`
      : '';
    lines.push(
      `  ${cf.name.padEnd(4)} owner ${vmLabel(policy, cf.owner)}: ${cf.type} [${cf.range.map(hex).join(', ')}] -> ${cf.policy}${from}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Result of {@link formatPolicyTextP}: paper-vocabulary text, or why it cannot be written. */
export type DialectPText =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reasons: readonly string[] };

const P_POLICY: Readonly<Record<CfPolicy, string>> = {
  BLOCK: 'BLOCK',
  ALLOW: 'DELEGATE',
  OTHER: 'SCRUB',
};

function sameRange(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The policy in the paper's dialect P (§2.3), inverting the §2.4 translation so the UI can show
 * the paper vocabulary (§8 item 1). Fails, with reasons, for what P cannot say: memory type
 * OTHER, sizes above u32, ANY counts other than unlimited, and CF rules that are not the
 * translation of an RSI or OTHER channel.
 */
export function formatPolicyTextP(policy: Policy): DialectPText {
  const reasons: string[] = [];
  const vms = policy.vms.map(
    (vm) =>
      `  ${q(vm.name)}: { "hash": ${hex(vm.hash)}, "allowed-untrusted": ${vm.isGateway}, "allowed-other-mappings": ${!vm.strict} }`,
  );
  const mems = policy.mems.map((mem) => {
    if (mem.type === 'OTHER') reasons.push(`${mem.name}: type OTHER has no dialect-P property`);
    if (mem.size > 0xffffffffn)
      reasons.push(`${mem.name}: size ${hex(mem.size)} does not fit the u32 of dialect P`);
    const props = [
      mem.type === 'PROTECTED' ? 'PROTECTED' : '',
      mem.legacy?.fresh ? 'FRESH' : '',
    ].filter(Boolean);
    const lines = [`  ${q(mem.name)}: {`, `    "size": ${hex(mem.size)},`];
    if (props.length) lines.push(`    "properties": ${q(props.join('|'))},`);
    lines.push(`    "on-remove": ${q(mem.legacy?.clean ? 'CLEAN' : 'NONE')},`);
    if (mem.legacy?.owner != null)
      lines.push(`    "owner": ${q(vmLabel(policy, mem.legacy.owner))},`);
    lines.push(`    "mapped": ${q(mem.legacy?.mapped ?? 'NONE')},`);
    const maps = mem.mappings.map((m) => {
      if (m.vm === 'ANY' && m.anyCount !== ANY_COUNT_UNLIMITED) {
        reasons.push(
          `${mem.name}: ANY any-count ${m.anyCount} cannot be written in dialect P (always unlimited)`,
        );
      }
      return `      ${q(vmLabel(policy, m.vm))}: { "gpa": ${hex(m.gpa)}, "prot": ${q(m.prot)} }`;
    });
    lines.push(`    "mappings": {`, ...(maps.length ? [maps.join(',\n')] : []), `    }`, `  }`);
    return lines.join('\n');
  });
  // Channels: rules translated from one Ch regroup; otherwise CALL [0x17] is an RSI channel and
  // EXCEPTION [0x24, 0x20, 0x1] with OTHER [1, 2, 3] (same owner and policy) an OTHER channel
  // (§8 item 6; abi.ts EXCEPTION_EXIT_RANGE, OTHER_RANGE).
  const channels: Array<{ name: string; owner: number | 'NONE'; range: string[]; policy: string }> =
    [];
  const used = new Set<number>();
  policy.cfs.forEach((cf, i) => {
    if (used.has(i)) return;
    used.add(i);
    if (cf.legacy) {
      const group = policy.cfs.filter(
        (o) => o.legacy?.channel === cf.legacy!.channel && o.owner === cf.owner,
      );
      policy.cfs.forEach((o, j) => group.includes(o) && used.add(j));
      channels.push({
        name: cf.legacy.channel,
        owner: cf.owner,
        range: [...cf.legacy.range],
        policy: cf.legacy.policy,
      });
      return;
    }
    if (cf.type === 'CALL' && sameRange(cf.range, [ESR_EC_SMC64])) {
      channels.push({ name: '', owner: cf.owner, range: ['RSI'], policy: P_POLICY[cf.policy] });
      return;
    }
    const partner = policy.cfs.findIndex(
      (o, j) =>
        !used.has(j) &&
        o.owner === cf.owner &&
        o.policy === cf.policy &&
        !o.legacy &&
        ((cf.type === 'EXCEPTION' && o.type === 'OTHER') ||
          (cf.type === 'OTHER' && o.type === 'EXCEPTION')),
    );
    const exc = cf.type === 'EXCEPTION' ? cf : policy.cfs[partner];
    const oth = cf.type === 'OTHER' ? cf : policy.cfs[partner];
    if (
      partner >= 0 &&
      exc &&
      oth &&
      sameRange(exc.range, EXCEPTION_EXIT_RANGE) &&
      sameRange(oth.range, OTHER_RANGE)
    ) {
      used.add(partner);
      channels.push({ name: '', owner: cf.owner, range: ['OTHER'], policy: P_POLICY[cf.policy] });
      return;
    }
    reasons.push(
      `${cf.name}: ${cf.type} [${cf.range.map(hex).join(', ')}] is not the translation of an RSI or OTHER channel`,
    );
  });
  const names = new Set(channels.map((c) => c.name).filter(Boolean));
  let n = 1;
  const chs = channels.map((c) => {
    let name = c.name;
    while (!name) {
      const candidate = `Ch${n++}`;
      if (!names.has(candidate)) name = candidate;
    }
    names.add(name);
    if (c.owner === 'NONE') reasons.push(`${name}: owner NONE cannot be written in text`);
    return [
      `  ${q(name)}: {`,
      `    "owner": ${q(vmLabel(policy, c.owner))},`,
      `    "range": [${c.range.map(q).join(', ')}],`,
      `    "policy": ${q(c.policy)}`,
      `  }`,
    ].join('\n');
  });
  if (reasons.length > 0) return { ok: false, reasons };
  const head = [`  "Self": ${q(vmLabel(policy, policy.self))}`, ...vms].join(',\n');
  return { ok: true, text: `{\n${[head, ...mems, ...chs].join(',\n\n')}\n}\n` };
}
