/**
 * The guard-railed LLM workflow `rg_rf_ri` as policy text (mica-spec.md §5.2, §5.4, §2.8 C6-C8).
 *
 * - `LLM_GUARDRAIL_SHIPPED`: C6-C8 as shipped: RG and RF share an 8 KiB RW mailbox, RF and RI
 *   another; every realm is a gateway. The files agree, but the model provider's RI can reach the
 *   host directly.
 * - `LLM_GUARDRAIL_LOCKED`: the §5.4 variant: RF and RI are strict non-gateways with their SMCs
 *   and exception exits (MMIO, instruction aborts, WFx) BLOCKed in every file. The only route from the model to the outside is RI → RF → RG → U, so
 *   every byte passes the guardrail filter RF.
 */
import type { PolicyCf } from '../model.ts';
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

const MAILBOX = 0x2000n;

const SHARES: readonly Share[] = [
  {
    mem: 'Mem1',
    size: MAILBOX,
    ends: [
      [0, BAR0, 'RW'],
      [1, BAR0, 'RW'],
    ],
  },
  {
    mem: 'Mem2',
    size: MAILBOX,
    ends: [
      [1, BAR1, 'RW'],
      [2, BAR0, 'RW'],
    ],
  },
];

function stages(locked: boolean): Stage[] {
  return [
    {
      name: 'RG',
      role: 'Gateway: takes the user prompt, prints the answer',
      vm: vm('VM1', 0x1, true, false),
    },
    {
      name: 'RF',
      role: 'Guardrail filter: rewrites prompt and answer (the sanitiser)',
      vm: vm('VM2', 0x2, !locked, locked),
    },
    {
      name: 'RI',
      role: "Inference: the model provider's component",
      vm: vm('VM3', 0x3, !locked, locked),
    },
  ];
}

const LOCKED_CALLS: readonly PolicyCf[] = [block('CF1', 1), block('CF2', 2)];

/** CF1, CF2 BLOCK the SMCs of RF and RI (§5.4); CF3-CF6 close their other exits (§8 item 6). */
const LOCKED_CFS: readonly PolicyCf[] = [
  ...LOCKED_CALLS,
  ...exitBlocks(stages(true), LOCKED_CALLS.length + 1),
];

/** C6-C8 semantics, rendered from the model (same objects, flags and windows as §2.8). */
export const LLM_GUARDRAIL_SHIPPED: WorkflowExample = {
  id: 'llm-guardrail-shipped',
  title: 'Shipped rg_rf_ri guardrail (C6-C8)',
  description:
    'RG and RI never share memory, but every realm is a gateway: the model (RI) can talk to the host without passing the filter.',
  realms: realms(stages(false), files(stages(false), SHARES, [])),
  source: 'RI',
  sanitisers: ['RF'],
  expect: { agreement: 'accept', flow: ['RI', 'U'] },
};

/** §5.4 locked-down guardrail. */
export const LLM_GUARDRAIL_LOCKED: WorkflowExample = {
  id: 'llm-guardrail-locked',
  title: 'Locked-down rg_rf_ri guardrail (§5.4)',
  description:
    'RF and RI are strict non-gateways with their SMCs and exception exits blocked in every file; the only route from the model to the outside is RI → RF → RG → U.',
  realms: realms(stages(true), files(stages(true), SHARES, LOCKED_CFS)),
  source: 'RI',
  sanitisers: ['RF'],
  expect: { agreement: 'accept', flow: 'accept' },
};

/** Both LLM examples. */
export const LLM_EXAMPLES: readonly WorkflowExample[] = [
  LLM_GUARDRAIL_SHIPPED,
  LLM_GUARDRAIL_LOCKED,
];
