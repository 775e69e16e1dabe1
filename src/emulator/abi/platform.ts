/**
 * The emulated platform's physical memory map. NOT part of any Arm specification: this is
 * the lab's own board, loosely modelled on the FVP Base RevC layout (DRAM at 0x8000_0000).
 * Every region has a boot-time GPI; only granules in `delegable` regions can change PAS at
 * run time (TF-A GTSI only transitions L1-mapped DRAM).
 */
import type { Gpi } from './gpt.ts';

/** One region of the physical address map. */
export interface MemoryRegion {
  /** Short name shown in the GPT map legend. */
  readonly name: string;
  /** First byte (granule aligned). */
  readonly base: number;
  /** Size in bytes (granule multiple). */
  readonly size: number;
  /** GPI at boot. */
  readonly gpi: Gpi;
  /** Whether RMI_GRANULE_DELEGATE may take granules from here (the `gran_bound` check). */
  readonly delegable: boolean;
  /** What lives here, in one sentence, for the UI. */
  readonly description: string;
}

/** The default board. */
export const DEFAULT_MEMORY_MAP: readonly MemoryRegion[] = [
  {
    name: 'EL3 firmware',
    base: 0x0400_0000,
    size: 0x0004_0000,
    gpi: 'ROOT',
    delegable: false,
    description: 'TF-A BL31, the EL3 monitor; only Root can touch it.',
  },
  {
    name: 'Secure RAM',
    base: 0x0600_0000,
    size: 0x0004_0000,
    gpi: 'SECURE',
    delegable: false,
    description: 'Secure-world memory (S-EL2/S-EL1); closed to the host and to realms.',
  },
  {
    name: 'RMM image',
    base: 0x0608_0000,
    size: 0x0004_0000,
    gpi: 'REALM',
    delegable: false,
    description: 'The RMM itself, loaded into Realm PAS at boot.',
  },
  {
    name: 'UART',
    base: 0x1c09_0000,
    size: 0x0000_1000,
    gpi: 'ANY',
    delegable: false,
    description: 'A device every world may access.',
  },
  {
    name: 'DRAM',
    base: 0x8000_0000,
    size: 0x0800_0000,
    gpi: 'NS',
    delegable: true,
    description: 'Normal memory owned by the host until it delegates granules to the RMM.',
  },
];
