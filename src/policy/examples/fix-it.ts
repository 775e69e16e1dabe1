/**
 * The fix-it drafts of the course (part 06): the §5.1 (a) video pipeline of
 * {@link VIDEO_MODERATION} with one mistake a tenant could plausibly make, each caught by a
 * named mechanism (mica-spec.md §2.5 agreement, §2.2.4 control-flow rules, §4.5 path search).
 * The learner's fix is an edit of one realm's file; these are the files before the fix.
 *
 * - `fix-too-open`: the encoder's own file makes VM2 a non-strict gateway (it wants the outside
 *   world). Its neighbours' copies say otherwise: the agreement check refuses the upload.
 * - `fix-any-window`: the encoder's Mem2 adds an `ANY` window (R, any-count 1, "for an archive
 *   replica") next to the moderator. The files agree, but an ANY slot is U to the verifier: the
 *   raw video can leave before the moderator.
 * - `fix-no-exception`: every file lost the encoder's EXCEPTION rule (CF3 of the shipped files).
 *   The files agree, the encoder is sealed (no NS pages), yet an MMIO exit hands its registers
 *   to the host: the console doorbell carries the video out.
 *
 * The sanitiser bypass of part 06 is the existing `consistent-leak` variant (video-moderation.ts).
 *
 * Design rationale: each draft is derived from the shipped files by a policy edit, so it stays
 * in step with them, and each carries the expectations every example carries, which the
 * example tests check on the policies and on the machine.
 */
import { formatPolicyText } from '../format.ts';
import type { Policy, PolicyMem } from '../model.ts';
import { parsePolicy } from '../parse.ts';
import { BAR1, type WorkflowExample } from './build.ts';
import { VIDEO_MODERATION, pipelineExitBlocks } from './video-moderation.ts';

/** The shipped files of the locked-down pipeline, parsed (gateway, encoder, moderator, storage). */
function shippedPolicies(): Policy[] {
  return VIDEO_MODERATION.realms.map((r) => {
    const parsed = parsePolicy(r.text);
    if (!parsed.ok) throw new Error(`shipped ${r.name} file does not parse`);
    return parsed.policy;
  });
}

/** The encoder's VM index in every file of the pipeline (VM2). */
const ENCODER = 1;

function draft(
  id: string,
  title: string,
  description: string,
  edit: (p: Policy, index: number) => Policy,
  expect: WorkflowExample['expect'],
): WorkflowExample {
  const policies = shippedPolicies().map(edit);
  return {
    id,
    title,
    description,
    realms: VIDEO_MODERATION.realms.map((r, i) => ({
      name: r.name,
      role: r.role,
      text: formatPolicyText(policies[i]!),
    })),
    source: VIDEO_MODERATION.source,
    sanitisers: VIDEO_MODERATION.sanitisers,
    expect,
  };
}

function onlyEncoder(edit: (p: Policy) => Policy) {
  return (p: Policy, index: number): Policy => (index === ENCODER ? edit(p) : p);
}

function mapMem(p: Policy, name: string, f: (m: PolicyMem) => PolicyMem): Policy {
  return { ...p, mems: p.mems.map((m) => (m.name === name ? f(m) : m)) };
}

/** The encoder asks to be a gateway in its own file (§2.5 refuses: its neighbours disagree). */
export const FIX_TOO_OPEN: WorkflowExample = draft(
  'fix-too-open',
  'Fix-it: the encoder declares itself a gateway',
  "The encoder's file says VM2 is a gateway and not strict; every other copy says a strict non-gateway.",
  onlyEncoder((p) => ({
    ...p,
    vms: p.vms.map((v, i) => (i === ENCODER ? { ...v, isGateway: true, strict: false } : v)),
  })),
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
    flow: ['encoder', 'U'],
  },
);

/** Mem2 gets an extra ANY reader (§2.5 admits it, §4.5 does not: an ANY slot is U). */
export const FIX_ANY_WINDOW: WorkflowExample = draft(
  'fix-any-window',
  'Fix-it: the raw video goes to an ANY window',
  "The encoder's Mem2 adds an ANY window (R, any-count 1) next to the moderator: any one extra realm may read the raw video.",
  onlyEncoder((p) =>
    mapMem(p, 'Mem2', (m) => ({
      ...m,
      mappings: [...m.mappings, { vm: 'ANY' as const, gpa: BAR1, prot: 'R' as const, anyCount: 1 }],
    })),
  ),
  { agreement: 'accept', flow: ['encoder', 'U'] },
);

/** The names of the encoder's EXCEPTION rules among the shipped exit blocks (CF3). */
const ENCODER_EXCEPTION_RULES = new Set(
  pipelineExitBlocks()
    .filter((cf) => cf.owner === ENCODER && cf.type === 'EXCEPTION')
    .map((cf) => cf.name),
);

/** Every file lost the encoder's EXCEPTION rule (§2.2.4: an unlisted exit reaches the host). */
export const FIX_NO_EXCEPTION: WorkflowExample = draft(
  'fix-no-exception',
  'Fix-it: no EXCEPTION rule for the encoder',
  "No file BLOCKs the encoder's data-carrying exits (EXCEPTION 0x24, 0x20): an MMIO exit hands its registers to the host.",
  (p) => ({ ...p, cfs: p.cfs.filter((cf) => !ENCODER_EXCEPTION_RULES.has(cf.name)) }),
  { agreement: 'accept', flow: ['encoder', 'U'] },
);

/** The fix-it drafts, in course order. */
export const FIX_IT_EXAMPLES: readonly WorkflowExample[] = [
  FIX_TOO_OPEN,
  FIX_ANY_WINDOW,
  FIX_NO_EXCEPTION,
];
