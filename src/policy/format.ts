/**
 * Policy → text. `formatPolicyText` writes dialect-C policy text (mica-spec.md §2.2.1) that
 * parses back to the same model, in the layout of the shipped files (§2.8) and of the decoded
 * debugfs view (§4.4). `describePolicy` is the human summary the CLI and the UI show, with the
 * dialect-P terms next to their C meaning when the policy was written in P (§2.4, §8 item 1).
 */
import { ANY_COUNT_UNLIMITED, MEM_PAGE_SIZE } from './abi.ts';
import { vmLabel, type Policy, type PolicyCf, type PolicyMem, type PolicyVm } from './model.ts';

/** `0x…` lower-case hex. */
export function hex(value: bigint | number): string {
  return '0x' + value.toString(16);
}

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
 * Dialect-C text of `policy`. CF rules translated from one dialect-P channel share its name;
 * they are written with a numeric suffix so the text stays parseable. Values only a binary can
 * hold (ANY count −1, CF owner NONE) are written as such and will not parse back.
 */
export function formatPolicyText(policy: Policy): string {
  const used = new Set<string>();
  const cfs = policy.cfs.map((cf, i) => {
    let name = cf.name;
    if (used.has(name)) name = `CF${i + 1}`;
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
