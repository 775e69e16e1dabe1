/**
 * The video-moderation workflow as policy text, for lessons, the UI and tests (mica-spec.md
 * §5.1, §5.4, §2.8 C1-C3). Each example is one policy file per realm plus what the agreement
 * check (§2.5-§2.7) and the verifier's path search (§4.5) should say about it.
 *
 * - `VIDEO_MODERATION`: the paper's pipeline gateway → encoder → moderator → storage (§5.1 a),
 *   locked down as §5.4 recommends: encoder and moderator are strict non-gateways whose SMCs and
 *   exception exits (MMIO, instruction aborts, WFx) are BLOCKed in every file, writers get W and readers R. Agrees, and the only way from the encoder
 *   to the outside is through the moderator.
 * - `VIDEO_PUBLISH`: the same pipeline with storage handing the published result back through the
 *   gateway (§5.1 a, "storage ... hands the published result back"): one more object, Mem4, which
 *   storage writes and the gateway reads. The only way out is still through the moderator.
 * - `VIDEO_RING_SHIPPED`: the shipped `rg_rn_re` ring, C1-C3 verbatim. Agrees, but every realm is
 *   a gateway, so the encoder reaches U directly (§2.8 "none … is locked down").
 * - `VIDEO_RING_LOCKED`: the §5.4 locked-down ring. Agrees; the only route out is RE → RN → RG → U.
 * - `VIDEO_BROKEN`: deliberate mistakes, each refused by a named check, and one consistent but
 *   leaking variant that only the path search catches.
 */
import type { Policy, PolicyCf, PolicyMem } from '../model.ts';
import {
  BAR0,
  BAR1,
  block,
  exitBlocks,
  files,
  realms,
  vm,
  type Share,
  type Stage,
  type WorkflowExample,
} from './build.ts';

export type { ExampleRealm, ExpectedRefusal, WorkflowExample } from './build.ts';

const SIZE = 0x40000n;

const PIPELINE_STAGES: readonly Stage[] = [
  {
    name: 'gateway',
    role: 'Tenant gateway: receives the upload from the network',
    vm: vm('VM1', 0x1, true, false),
  },
  {
    name: 'encoder',
    role: 'Third-party encoder: transcodes the video',
    vm: vm('VM2', 0x2, false, true),
  },
  {
    name: 'moderator',
    role: 'Moderator: nudity/scene check, the sanitiser',
    vm: vm('VM3', 0x3, false, true),
  },
  {
    name: 'storage',
    role: 'Storage sink: keeps the moderated video',
    vm: vm('VM4', 0x4, true, false),
  },
];

const PIPELINE_SHARES: readonly Share[] = [
  {
    mem: 'Mem1',
    ends: [
      [0, BAR0, 'W'],
      [1, BAR0, 'R'],
    ],
  },
  {
    mem: 'Mem2',
    ends: [
      [1, BAR1, 'W'],
      [2, BAR0, 'R'],
    ],
  },
  {
    mem: 'Mem3',
    ends: [
      [2, BAR1, 'W'],
      [3, BAR0, 'R'],
    ],
  },
];

const CALL_BLOCKS: readonly PolicyCf[] = [block('CF1', 1), block('CF2', 2)];

/**
 * The locked-down rules: CF1, CF2 BLOCK the SMCs of encoder and moderator (§5.4); CF3-CF6 close
 * their data-carrying exits (EXCEPTION 0x24, 0x20) and OTHER IRQ/FIQ/SError (§8 item 6). The same file in
 * every mode: the prototype records CF3-CF6 without enforcing them (§2.2.4).
 */
const PIPELINE_CFS: readonly PolicyCf[] = [...CALL_BLOCKS, ...pipelineExitBlocks()];

/**
 * CF3-CF6 of the locked-down pipeline: {@link exitBlocks} for its stages (the encoder's
 * EXCEPTION and OTHER rules, then the moderator's). The fix-it drafts (fix-it.ts) drop some of
 * them by name.
 */
export function pipelineExitBlocks(): PolicyCf[] {
  return exitBlocks(PIPELINE_STAGES, CALL_BLOCKS.length + 1);
}

const pipeline = files(PIPELINE_STAGES, PIPELINE_SHARES, PIPELINE_CFS);

/** §5.1 (a) gateway → encoder → moderator → storage, locked down per §5.4. */
export const VIDEO_MODERATION: WorkflowExample = {
  id: 'video-moderation',
  title: 'Video moderation: gateway → encoder → moderator → storage',
  description:
    'The paper pipeline. Encoder and moderator are third-party stages: strict, not gateways, ' +
    'and every file BLOCKs their SMCs (CALL 0x17), their MMIO exits and instruction aborts ' +
    '(EXCEPTION 0x24, 0x20) and host-injected interrupts (OTHER 1-3). Writers map W, readers R.',
  realms: realms(PIPELINE_STAGES, pipeline),
  source: 'encoder',
  sanitisers: ['moderator'],
  expect: { agreement: 'accept', flow: 'accept' },
};

/**
 * The return object of the published pipeline: storage writes the published records (its BAR1),
 * the gateway reads them (its BAR1) and sends them out of its network device.
 */
const RETURN_SHARE: Share = {
  mem: 'Mem4',
  ends: [
    [3, BAR1, 'W'],
    [0, BAR1, 'R'],
  ],
};

const PUBLISH_SHARES: readonly Share[] = [...PIPELINE_SHARES, RETURN_SHARE];

/**
 * §5.1 (a) with its return path: gateway → encoder → moderator → storage → gateway. Storage keeps
 * the moderated video and the verdicts and hands the published result back through Mem4; the
 * gateway, the tenant's own realm, sends it out. Same lock-down as {@link VIDEO_MODERATION}.
 */
export const VIDEO_PUBLISH: WorkflowExample = {
  id: 'video-publish',
  title: 'Video moderation, published: gateway → encoder → moderator → storage → gateway',
  description:
    'The paper pipeline with its return path: storage keeps the moderated video and hands the ' +
    'published result back through Mem4 to the gateway, which sends it out. Encoder and ' +
    'moderator are locked down as in video-moderation.',
  realms: realms(PIPELINE_STAGES, files(PIPELINE_STAGES, PUBLISH_SHARES, PIPELINE_CFS)),
  source: 'encoder',
  sanitisers: ['moderator'],
  expect: { agreement: 'accept', flow: 'accept' },
};

/** C1-C3 of §2.8, verbatim: the shipped `rg_rn_re` ring. */
const SHIPPED_VMS = `  "VM1": { "hash": 0x1, "is-gateway": true, "strict": false },
  "VM2": { "hash": 0x2, "is-gateway": true, "strict": false },
  "VM3": { "hash": 0x3, "is-gateway": true, "strict": false },
`;
const SHIPPED_MEM: Readonly<Record<string, string>> = {
  Mem1: `  "Mem1": {
    "size": 0x40000,
    "type": "PROTECTED",
    "mappings": {
      "VM1": { "gpa": 0x18000000000, "prot": "W" },
      "VM2": { "gpa": 0x18000000000, "prot": "R" }
    }
  }`,
  Mem2: `  "Mem2": {
    "size": 0x40000,
    "type": "PROTECTED",
    "mappings": {
      "VM2": { "gpa": 0x18004000000, "prot": "W" },
      "VM3": { "gpa": 0x18000000000, "prot": "R" }
    }
  }`,
  Mem3: `  "Mem3": {
    "size": 0x40000,
    "type": "PROTECTED",
    "mappings": {
      "VM1": { "gpa": 0x18004000000, "prot": "R" },
      "VM3": { "gpa": 0x18004000000, "prot": "W" }
    }
  }`,
};

function shipped(self: string, mems: readonly string[]): string {
  return `{\n  "Self": "${self}",\n${SHIPPED_VMS}\n${mems.map((m) => SHIPPED_MEM[m]!).join(',\n')}\n}\n`;
}

/** The shipped ring C1-C3 (§5.1 c). */
export const VIDEO_RING_SHIPPED: WorkflowExample = {
  id: 'video-ring-shipped',
  title: 'Shipped rg_rn_re ring (C1-C3)',
  description:
    'The prototype files: every realm is a gateway and nobody is strict. The policies agree, but ' +
    'the encoder can send what it sees straight to the host.',
  realms: [
    { name: 'RG', role: 'Gateway with the input video', text: shipped('VM1', ['Mem1', 'Mem3']) },
    { name: 'RE', role: 'Encoder', text: shipped('VM2', ['Mem1', 'Mem2']) },
    { name: 'RN', role: 'Nudity detector (moderator)', text: shipped('VM3', ['Mem2', 'Mem3']) },
  ],
  source: 'RE',
  sanitisers: ['RN'],
  expect: { agreement: 'accept', flow: ['RE', 'U'] },
};

const RING_STAGES: readonly Stage[] = [
  { name: 'RG', role: 'Gateway with the input video', vm: vm('VM1', 0x1, true, false) },
  { name: 'RE', role: 'Encoder', vm: vm('VM2', 0x2, false, true) },
  { name: 'RN', role: 'Nudity detector (moderator)', vm: vm('VM3', 0x3, false, true) },
];
const RING_SHARES: readonly Share[] = [
  {
    mem: 'Mem1',
    ends: [
      [0, BAR0, 'W'],
      [1, BAR0, 'R'],
    ],
  },
  {
    mem: 'Mem2',
    ends: [
      [1, BAR1, 'W'],
      [2, BAR0, 'R'],
    ],
  },
  {
    mem: 'Mem3',
    ends: [
      [0, BAR1, 'R'],
      [2, BAR1, 'W'],
    ],
  },
];

/** §5.4 locked-down ring. */
export const VIDEO_RING_LOCKED: WorkflowExample = {
  id: 'video-ring-locked',
  title: 'Locked-down rg_rn_re ring (§5.4)',
  description:
    'RE and RN are strict non-gateways with their SMCs blocked in every file. The only route ' +
    'from the video back to the outside is RE → RN → RG → U.',
  realms: realms(RING_STAGES, files(RING_STAGES, RING_SHARES, PIPELINE_CFS)),
  source: 'RE',
  sanitisers: ['RN'],
  expect: { agreement: 'accept', flow: 'accept' },
};

/** Replaces one stage's policy in the locked pipeline. */
function edited(index: number, edit: (p: Policy) => Policy): Policy[] {
  return pipeline.map((p, i) => (i === index ? edit(p) : p));
}

function variant(
  id: string,
  title: string,
  description: string,
  policies: readonly Policy[],
  expect: WorkflowExample['expect'],
  stages: readonly Stage[] = PIPELINE_STAGES,
): WorkflowExample {
  return {
    id,
    title,
    description,
    realms: realms(stages, policies),
    source: 'encoder',
    sanitisers: ['moderator'],
    expect,
  };
}

const mapMem = (p: Policy, name: string, f: (m: PolicyMem) => PolicyMem): Policy => ({
  ...p,
  mems: p.mems.map((m) => (m.name === name ? f(m) : m)),
});

const bypassShares: readonly Share[] = [
  ...PIPELINE_SHARES,
  {
    mem: 'Mem4',
    ends: [
      [1, BAR1 + 0x4000000n, 'W'],
      [3, BAR1, 'R'],
    ],
  },
];

/** Deliberately broken variants of {@link VIDEO_MODERATION}. */
export const VIDEO_BROKEN: readonly WorkflowExample[] = [
  variant(
    'size-mismatch',
    'Moderator declares Mem2 twice as large',
    "The moderator's copy of Mem2 says 0x80000 bytes; the encoder's says 0x40000.",
    edited(2, (p) => mapMem(p, 'Mem2', (m) => ({ ...m, size: 0x80000n }))),
    {
      agreement: [
        { check: 'definition', realm: 'moderator', peer: 'encoder', object: 'Mem2', field: 'size' },
      ],
      flow: 'accept',
    },
  ),
  variant(
    'half-locked',
    'Only the encoder locks itself down',
    "The encoder's file makes VM2 a strict non-gateway; the gateway's copy still says VM2 is a gateway.",
    files(PIPELINE_STAGES, PIPELINE_SHARES, PIPELINE_CFS).map((p, i) =>
      i === 1
        ? p
        : {
            ...p,
            vms: p.vms.map((v) =>
              v.name === 'VM2' ? { ...v, isGateway: true, strict: false } : v,
            ),
          },
    ),
    {
      agreement: [
        {
          check: 'definition',
          realm: 'encoder',
          peer: 'gateway',
          object: 'Mem1',
          field: 'VM2.is-gateway',
        },
        {
          check: 'definition',
          realm: 'encoder',
          peer: 'gateway',
          object: 'Mem1',
          field: 'VM2.strict',
        },
      ],
      flow: 'accept',
    },
  ),
  variant(
    'storage-bypass',
    'Storage also maps the raw encoder output',
    "Storage's file adds itself as a reader of Mem2; the encoder's and moderator's copies do not list it.",
    edited(3, (p) => ({
      ...p,
      mems: [
        {
          name: 'Mem2',
          size: SIZE,
          type: 'PROTECTED',
          mappings: [
            { vm: 1, gpa: BAR1, prot: 'W', anyCount: 0 },
            { vm: 2, gpa: BAR0, prot: 'R', anyCount: 0 },
            { vm: 3, gpa: BAR1, prot: 'R', anyCount: 0 },
          ],
        },
        ...p.mems,
      ],
    })),
    {
      agreement: [
        {
          check: 'definition',
          realm: 'storage',
          peer: 'encoder',
          object: 'Mem2',
          field: 'mappings.VM4',
        },
        {
          check: 'definition',
          realm: 'storage',
          peer: 'moderator',
          object: 'Mem2',
          field: 'mappings.VM4',
        },
      ],
      flow: ['encoder', 'storage', 'U'],
    },
  ),
  variant(
    'cf-conflict',
    'Moderator allows its own SMCs',
    "The moderator's file says CF2 (VM3, CALL 0x17) is ALLOW; the encoder's copy says BLOCK.",
    edited(2, (p) => ({
      ...p,
      cfs: p.cfs.map((cf) => (cf.name === 'CF2' ? { ...cf, policy: 'ALLOW' } : cf)),
    })),
    {
      agreement: [
        {
          check: 'control-flow',
          realm: 'moderator',
          peer: 'encoder',
          object: 'CF2',
          field: 'CF2.policy',
        },
      ],
      flow: 'accept',
    },
  ),
  variant(
    'consistent-leak',
    'A side channel everybody agreed to',
    'All files consistently add Mem4, written by the encoder and read by storage (a gateway). The ' +
      'agreement check is satisfied; only the verifier’s path search sees the leak.',
    files(PIPELINE_STAGES, bypassShares, PIPELINE_CFS),
    { agreement: 'accept', flow: ['encoder', 'storage', 'U'] },
  ),
];

/**
 * The published pipeline where every file also lets storage read Mem2 (at its BAR2), the
 * encoder's unmoderated output: consistent, so the agreement check accepts it; a storage that
 * publishes those frames instead of the moderator's records sends raw video out through the
 * tenant's own gateway, and only the verifier's path search sees the way around the moderator.
 */
export const VIDEO_PUBLISH_BYPASS: WorkflowExample = variant(
  'publish-bypass',
  'Storage may also read the encoder’s output',
  'All files consistently list storage as a second reader of Mem2, the encoder’s unmoderated ' +
    'output, beside the return path Mem4. The agreement check is satisfied; storage (a ' +
    'gateway) reaches U from the encoder without the moderator.',
  files(
    PIPELINE_STAGES,
    PUBLISH_SHARES.map((s) =>
      s.mem === 'Mem2' ? { ...s, ends: [...s.ends, [3, BAR1 + 0x4000000n, 'R'] as const] } : s,
    ),
    PIPELINE_CFS,
  ),
  { agreement: 'accept', flow: ['encoder', 'storage', 'U'] },
);

/** Every video example, for catalogues. */
export const VIDEO_EXAMPLES: readonly WorkflowExample[] = [
  VIDEO_MODERATION,
  VIDEO_PUBLISH,
  VIDEO_RING_SHIPPED,
  VIDEO_RING_LOCKED,
  ...VIDEO_BROKEN,
  VIDEO_PUBLISH_BYPASS,
];
