/**
 * The attestation chain as a drawing (lab-ux.md §3.1 item 1; cca-spec.md §6; mica-spec.md
 * §4.5): hardware root → CPAK → platform token ← RAK → realm or group token ← each member's
 * RIM and policy blob → the verifier's checks → verdict, with edges labelled "signs",
 * "hashes into" and "compared with". Pure (no DOM): nodes with fixed positions (a
 * deterministic layout, so the drawing does not wobble between a screen and a projector) and
 * edges that carry the verifier's checks, each check on exactly one edge.
 *
 * Design rationale: the drawing only sorts what the verifiers said. A realm token's edges
 * read the relying party's report (emulator host/relying-party.ts); a group token's read the
 * group verifier (`verifyGroup`, src/policy/group): its CCA report for the token's own
 * structure and signatures, its checks for the tenant's inputs, and its per-blob findings
 * for the members. An edge is `fail` when one of its checks failed, `skip` when all were
 * skipped, `none` when no check decides it (the root holding the CPAK). Every failed check
 * keeps its reason and, when the verifier said which bytes it concerns, the inspector path.
 */
import { abi, type Appraisal, type attest } from '../../emulator/index.ts';
import { micaAbi, type GroupCheck, type GroupVerdict } from '../../policy/index.ts';

/** What an edge asserts. */
export type EdgeLabel = 'holds' | 'signs' | 'hashes into' | 'compared with' | 'decides';

/** How an edge fared: its checks passed, one failed, all were skipped, or none decides it. */
export type EdgeStatus = 'pass' | 'fail' | 'skip' | 'none';

/** A check as an edge shows it. */
export interface EdgeCheck {
  readonly title: string;
  readonly status: attest.CheckStatus;
  readonly reason: string;
  /** The token inspector's path of the bytes it concerns, if the verifier named them. */
  readonly path?: string;
}

/** A box of the drawing. */
export interface GraphNode {
  readonly id: string;
  readonly title: string;
  /** One short line under the title. */
  readonly detail: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** An arrow of the drawing. */
export interface GraphEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly label: EdgeLabel;
  /** The edge in words: "RAK signs the group token". */
  readonly says: string;
  readonly status: EdgeStatus;
  /** The first failure's reason, else the first skip's, else a summary. */
  readonly reason: string;
  readonly checks: readonly EdgeCheck[];
  /** Bytes of the token to show in the inspector: the failed check's, else the edge's own. */
  readonly path?: string;
  /** Whether the drawing writes the label on this edge (fan-in edges share one label). */
  readonly labelled: boolean;
}

/** The drawing. */
export interface ChainGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly width: number;
  readonly height: number;
}

/**
 * Box size, columns and rows of the layout (SVG user units). Edges run down or diagonally,
 * or across an empty column, so every label has room beside its line:
 *
 *   row 0  root
 *   row 1  CPAK                      RAK
 *   row 2             platform token
 *   row 3  checks  <----------------  token
 *   row 4  verdict    members (RIM + blob each)
 */
const BOX_W = 176;
const BOX_H = 42;
const COLUMN_X = [8, 222, 436] as const;
const ROW_Y = [4, 72, 140, 208, 298] as const;
const WIDTH = COLUMN_X[2] + BOX_W + 8;
const HEIGHT = ROW_Y[4] + BOX_H + 4;
const MEMBER_GAP = 8;
/** The members' row starts right of the verdict. */
const MEMBERS_LEFT = COLUMN_X[0] + BOX_W + 16;

const box = (
  id: string,
  title: string,
  detail: string,
  column: 0 | 1 | 2,
  row: 0 | 1 | 2 | 3 | 4,
): GraphNode => ({ id, title, detail, x: COLUMN_X[column], y: ROW_Y[row], w: BOX_W, h: BOX_H });

/** The members' row: one box each, side by side right of the verdict. */
function memberBoxes(members: readonly { id: string; title: string; detail: string }[]) {
  const n = Math.max(1, members.length);
  const room = WIDTH - 8 - MEMBERS_LEFT;
  const w = Math.min(BOX_W, (room - MEMBER_GAP * (n - 1)) / n);
  return members.map((m, i): GraphNode => ({
    ...m,
    x: MEMBERS_LEFT + i * (w + MEMBER_GAP),
    y: ROW_Y[4],
    w,
    h: BOX_H,
  }));
}

function edgeOf(
  id: string,
  from: string,
  to: string,
  label: EdgeLabel,
  says: string,
  checks: readonly EdgeCheck[],
  options: { path?: string; labelled?: boolean; passed?: string } = {},
): GraphEdge {
  const failed = checks.find((c) => c.status === 'fail');
  const skipped = checks.filter((c) => c.status === 'skip');
  const status: EdgeStatus =
    checks.length === 0
      ? 'none'
      : failed
        ? 'fail'
        : skipped.length === checks.length
          ? 'skip'
          : 'pass';
  const passed = checks.filter((c) => c.status === 'pass').length;
  const reason =
    status === 'none'
      ? (options.passed ?? 'no check decides this link')
      : failed
        ? `${failed.title}: ${failed.reason}`
        : status === 'skip'
          ? `not checked: ${skipped[0]!.reason}`
          : (options.passed ?? `${passed} check${passed === 1 ? '' : 's'} passed`) +
            (skipped.length ? ` (${skipped.length} not checked)` : '');
  const path = failed?.path ?? options.path;
  return {
    id,
    from,
    to,
    label,
    says,
    status,
    reason,
    checks,
    labelled: options.labelled ?? true,
    ...(path ? { path } : {}),
  };
}

const fromCca = (c: attest.VerifierCheck): EdgeCheck => ({
  title: c.title,
  status: c.status,
  reason: c.reason,
  ...(c.path ? { path: c.path } : {}),
});

const fromGroup = (c: GroupCheck): EdgeCheck => ({
  title: c.title,
  status: c.status,
  reason: c.reason,
});

/** The CCA report's checks with these ids, as edge checks (each id taken at most once). */
function takeFrom(report: attest.VerifierReport, taken: Set<string>) {
  return (...ids: attest.VerifierCheck['id'][]): EdgeCheck[] =>
    report.checks
      .filter((c) => ids.includes(c.id) && !taken.has(`cca:${c.id}:${c.title}`))
      .map((c) => {
        taken.add(`cca:${c.id}:${c.title}`);
        return fromCca(c);
      });
}

/** The nodes and edges common to both chains: root, CPAK, platform token, RAK, token. */
function tokenPart(
  tokenTitle: string,
  take: (...ids: attest.VerifierCheck['id'][]) => EdgeCheck[],
  anchorName: string,
  platformSignature: readonly EdgeCheck[],
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = [
    box('root', 'Hardware root of trust', 'the platform’s firmware', 0, 0),
    box('cpak', 'CPAK', 'platform attestation key', 0, 1),
    box('platform', 'Platform token', 'firmware, lifecycle, nonce', 1, 2),
    box('rak', 'RAK', 'realm key, claim 44237', 2, 1),
    box('token', tokenTitle, 'challenge, RIM, REMs, RPV', 2, 3),
  ];
  const edges = [
    edgeOf('root-cpak', 'root', 'cpak', 'holds', 'the hardware root holds the CPAK', [], {
      passed: `the CPAK is provisioned in the platform; the verifier trusts it as ${anchorName}`,
    }),
    edgeOf(
      'cpak-platform',
      'cpak',
      'platform',
      'signs',
      'the CPAK signs the platform token',
      [...take('wrapper', 'platform-cose'), ...platformSignature],
      { path: 'platform/signature' },
    ),
    edgeOf(
      'rak-platform',
      'rak',
      'platform',
      'hashes into',
      'the RAK hashes into the platform token’s challenge',
      take('rak', 'binding'),
      { path: 'platform/payload' },
    ),
    edgeOf(
      'rak-token',
      'rak',
      'token',
      'signs',
      `the RAK signs the ${tokenTitle.toLowerCase()}`,
      take('realm-cose', 'realm-signature'),
      { path: 'realm/signature' },
    ),
  ];
  return { nodes, edges };
}

/** The realm token's REMs claim (44239), where a group token carries REM0, the policies. */
const REMS_PATH = `realm/payload/${abi.CCA_REALM_EXTENSIBLE_MEASUREMENTS}`;

const verdictBox = box('verdict', 'Verdict', 'the relying party’s one answer', 0, 4);
const checksBox = box('checks', 'Verifier’s checks', 'anchor, nonce, references', 0, 3);

/** The chain of a single realm's CCA token, from the relying party's appraisal. */
export function realmGraph(appraisal: Appraisal): ChainGraph {
  const report = appraisal.report;
  const taken = new Set<string>();
  const take = takeFrom(report, taken);
  const part = tokenPart(
    'Realm token',
    take,
    appraisal.evidence.inputs.anchor,
    take('platform-signature'),
  );
  const member = memberBoxes([
    { id: 'member-0', title: 'The realm', detail: 'its RIM, REMs and RPV' },
  ]);
  const edges = [
    ...part.edges,
    edgeOf(
      'platform-checks',
      'platform',
      'checks',
      'compared with',
      'the platform token is compared with the firmware reference values',
      take('platform-claim', 'sw-components'),
      { path: 'platform/payload' },
    ),
    edgeOf(
      'token-checks',
      'token',
      'checks',
      'compared with',
      'the realm token is compared with the nonce and its profile',
      take('realm-claim', 'freshness', 'profile'),
      { path: 'realm/payload' },
    ),
    edgeOf(
      'member-0-token',
      'member-0',
      'token',
      'hashes into',
      'the realm’s contents hash into its RIM and REMs in the token',
      [],
      { passed: 'the RMM measured the realm into these claims (checked below)' },
    ),
    edgeOf(
      'member-0-checks',
      'member-0',
      'checks',
      'compared with',
      'the realm’s RIM, REMs and RPV are compared with the reference values',
      take('rim', 'rems', 'rpv'),
      { path: `realm/payload/${abi.CCA_REALM_INITIAL_MEASUREMENT}` },
    ),
  ];
  const rest = report.checks.filter((c) => !taken.has(`cca:${c.id}:${c.title}`)).map(fromCca);
  return closeChain(part.nodes, member, edges, rest, 'every check above ran with its input');
}

/**
 * The chain's end, the same for a realm and a group: the checks no edge above took decide
 * the verdict (`passed` says what a pass means), then the graph of `tokenNodes`, the checks
 * and verdict boxes and the `members`.
 */
function closeChain(
  tokenNodes: readonly GraphNode[],
  members: readonly GraphNode[],
  edges: readonly GraphEdge[],
  rest: readonly EdgeCheck[],
  passed: string,
): ChainGraph {
  const decides = edgeOf(
    'checks-verdict',
    'checks',
    'verdict',
    'decides',
    'the checks decide the verdict',
    rest,
    { passed },
  );
  return {
    nodes: [...tokenNodes, checksBox, verdictBox, ...members],
    edges: [...edges, decides],
    width: WIDTH,
    height: HEIGHT,
  };
}

/** Group checks by id, each taken at most once. */
function takeGroup(verdict: GroupVerdict, taken: Set<string>) {
  return (...ids: GroupCheck['id'][]): EdgeCheck[] =>
    verdict.checks
      .filter((c) => ids.includes(c.id) && !taken.has(`group:${c.id}`))
      .map((c) => {
        taken.add(`group:${c.id}`);
        return fromGroup(c);
      });
}

/**
 * The chain of a Mica group token: the group verifier's verdict on the token and its blobs
 * (`blobs` for the members' boxes: their sizes and first bytes).
 */
export function groupGraph(verdict: GroupVerdict, blobs: readonly Uint8Array[]): ChainGraph {
  const report = verdict.token;
  const taken = new Set<string>();
  const take = takeFrom(report, taken);
  const group = takeGroup(verdict, taken);
  // The group verifier's checks of the tenant's inputs (anchor, challenge, firmware, the
  // members' values) stand for the CCA report's checks of the same claims, which ran
  // without those inputs: they are not drawn twice.
  take('platform-signature', 'freshness', 'sw-components', 'rim', 'rems', 'rpv');
  // Its `token` check sums up the CCA report's input-free checks, drawn one by one above.
  group('token');
  const part = tokenPart('Group token', take, 'the tenant’s trust anchor', group('anchor'));
  const rem0 = verdict.checks.find((c) => c.id === 'group-rem0');
  const members = memberBoxes(
    verdict.members.map((name, i) => ({
      id: `member-${i}`,
      title: name,
      detail: blobs[i] ? 'RIM + blob' : 'RIM, no blob',
    })),
  );
  const edges = [
    ...part.edges,
    edgeOf(
      'platform-checks',
      'platform',
      'checks',
      'compared with',
      'the platform token is compared with the firmware reference values',
      [...take('platform-claim'), ...group('firmware')],
      { path: 'platform/payload' },
    ),
    edgeOf(
      'token-checks',
      'token',
      'checks',
      'compared with',
      'the group token’s claims are compared with the nonce and the values recomputed from the members',
      [
        ...take('realm-claim', 'profile'),
        ...group('challenge', 'epoch', 'group-rim', 'group-rem0', 'group-rpv'),
      ],
      { path: 'realm/payload' },
    ),
  ];
  for (const [i, finding] of verdict.blobFindings.entries()) {
    const name = verdict.members[i] ?? '?';
    // The blob's hash went into REM0; this blob is to blame when REM0 no longer matches and
    // the verifier found this blob not to be the expected one.
    const blamed = finding.status === 'fail' && rem0 !== undefined && rem0.status !== 'pass';
    edges.push(
      edgeOf(
        `member-${i}-token`,
        `member-${i}`,
        'token',
        'hashes into',
        `${name}’s RIM and policy blob hash into the group RIM and REM0`,
        blamed && rem0 ? [{ title: rem0.title, status: 'fail', reason: finding.reason }] : [],
        {
          path: REMS_PATH,
          labelled: i === verdict.blobFindings.length - 1,
          passed: 'measured by the RMM and aggregated in blob order (compared below)',
        },
      ),
      edgeOf(
        `member-${i}-checks`,
        `member-${i}`,
        'checks',
        'compared with',
        `${name}’s policy blob is compared with the policy the tenant expects`,
        [{ title: 'expected policy', status: finding.status, reason: finding.reason }],
        { path: REMS_PATH, labelled: i === 0 },
      ),
    );
  }
  const rest = [
    ...group(),
    ...verdict.checks.filter((c) => !taken.has(`group:${c.id}`)).map(fromGroup),
  ];
  return closeChain(
    part.nodes,
    members,
    edges,
    rest,
    'every check above ran with the tenant’s inputs',
  );
}

/** Where an edge leaves `from` and enters `to`: the facing sides (bottom/top or left/right). */
export function edgeEnds(
  from: GraphNode,
  to: GraphNode,
): { x1: number; y1: number; x2: number; y2: number } {
  const fc = { x: from.x + from.w / 2, y: from.y + from.h / 2 };
  const tc = { x: to.x + to.w / 2, y: to.y + to.h / 2 };
  if (Math.abs(fc.y - tc.y) < 1) {
    // Same row: side to side.
    const leftToRight = fc.x < tc.x;
    return {
      x1: leftToRight ? from.x + from.w : from.x,
      y1: fc.y,
      x2: leftToRight ? to.x : to.x + to.w,
      y2: tc.y,
    };
  }
  const down = fc.y < tc.y;
  // Enter the target where the source is, as far as its side reaches (fan-in stays apart).
  const x2 = Math.min(Math.max(fc.x, to.x + 14), to.x + to.w - 14);
  const x1 = Math.min(Math.max(tc.x, from.x + 14), from.x + from.w - 14);
  return { x1, y1: down ? from.y + from.h : from.y, x2, y2: down ? to.y : to.y + to.h };
}

/**
 * The byte of a policy blob "flip a byte" changes: the rights of the first mapping of the
 * first shared object (mica-spec.md §4.2 record layout). The record still decodes, so the
 * verifier reaches the comparison with the expected policy and REM0 (a flip in padding would
 * stop at "blobs readable").
 */
export const BLOB_FLIP_OFFSET =
  micaAbi.RECORD_OFF_MEMS + micaAbi.RECORD_MEM_OFF_MAPS + micaAbi.RECORD_MAP_OFF_PROT;

/** The XOR mask a flip applies. */
const FLIP_MASK = 0x01;

/** `bytes` with the byte at `offset` (default: the last) XORed with 0x01. */
export function flipByteAt(bytes: Uint8Array, offset = bytes.length - 1): Uint8Array {
  const copy = bytes.slice();
  if (offset >= 0 && offset < copy.length) copy[offset]! ^= FLIP_MASK;
  return copy;
}
