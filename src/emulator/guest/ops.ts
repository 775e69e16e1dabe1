/**
 * Guest operations: the "program" the lab's guest model runs (guest/model.ts). An operation
 * is plain data (numbers, hex strings), queued in the REC's scratch by the realm shell or
 * by a named application (guest/apps.ts), so a snapshot captures a guest mid-program.
 *
 * Each operation stands for a few lines of guest kernel code; the model executes it as the
 * individual loads, stores, SMCs and HVCs that code would issue, each one a GuestStop the
 * RMM resolves through stage 2 or the RSI (cca-spec.md §3.4, §4). Results are plain data
 * too, read back by whoever queued the operation.
 *
 * No operation names a provenance label: labels are facts of the machine (provenance.ts), born
 * only at a declared source (the tenant's packet on the network device) and carried by the
 * model from the loads that returned them to the stores that write the data.
 */

/** A value for a host-call register: a literal, or 8 bytes loaded from a realm IPA. */
export type GuestRegSource = { readonly value: string } | { readonly from: number };

/** One guest operation. Addresses are IPAs; byte strings are hex. */
export type GuestOp =
  /** Read the image header and queue the application it names (first op of REC 0). */
  | { readonly op: 'boot' }
  /** Load `len` bytes at `ipa`. */
  | { readonly op: 'read'; readonly ipa: number; readonly len: number }
  /** Store literal bytes at `ipa` (program constants: they carry no provenance label). */
  | { readonly op: 'write'; readonly ipa: number; readonly data: string }
  /** Copy `len` bytes from `src` to `dst` (labels travel with the data). */
  | { readonly op: 'copy'; readonly src: number; readonly dst: number; readonly len: number }
  /**
   * Receive the next packet waiting on the network device into `ipa`: read the doorbell (the
   * VMM puts the packet in the shared buffer, labelled at the device if the tenant declared
   * it sensitive), then copy it in (labels travel with the data).
   */
  | { readonly op: 'recv'; readonly ipa: number }
  /** Any SMC: X0 = fid, X1.. = args (hex). */
  | { readonly op: 'smc'; readonly fid: number; readonly args: readonly string[] }
  /** RSI_MEASUREMENT_READ. */
  | { readonly op: 'measure-read'; readonly index: number }
  /** RSI_MEASUREMENT_EXTEND with up to 64 bytes. */
  | { readonly op: 'measure-extend'; readonly index: number; readonly data: string }
  /** RSI_ATTESTATION_TOKEN_INIT + CONTINUE loop into the token page, then read the token. */
  | { readonly op: 'attest'; readonly challenge: string }
  /** RSI_REALM_CONFIG into the config page, then read the fields. */
  | { readonly op: 'config' }
  /** RSI_IPA_STATE_GET. */
  | { readonly op: 'ipa-state-get'; readonly base: number; readonly top: number }
  /** RSI_IPA_STATE_SET, repeated until the whole range is done or the host rejects. */
  | {
      readonly op: 'ipa-state-set';
      readonly base: number;
      readonly top: number;
      readonly ripas: number;
      readonly flags: number;
    }
  /** RSI_HOST_CALL: fill the RsiHostCall block, call, read back the host's registers. */
  | { readonly op: 'hostcall'; readonly imm: number; readonly regs: readonly GuestRegSource[] }
  /** A PSCI call (X0 = fid). */
  | { readonly op: 'psci'; readonly fid: number; readonly args: readonly string[] }
  /** Send text (or `len` bytes copied from `from`) through a host-emulated device. */
  | {
      readonly op: 'send';
      readonly device: 'console' | 'net';
      readonly text?: string;
      readonly from?: { readonly ipa: number; readonly len: number };
    }
  /** Execute HVC (realms get an undefined-instruction exception). */
  | { readonly op: 'hvc' };

/** What one operation produced, as the realm saw it. */
export interface GuestResult {
  /** The operation's name (`read`, `attest`, ...). */
  readonly op: string;
  readonly ok: boolean;
  /** Status name of the last RSI/PSCI call, if any (e.g. RSI_SUCCESS, PSCI_ALREADY_ON). */
  readonly status?: string;
  /** Named output values (0x-hex or text). */
  readonly values: Readonly<Record<string, string>>;
  /** Bytes read or received (hex). */
  readonly data?: string;
  /** Provenance labels of `data`. */
  readonly labels?: readonly string[];
  /** What went wrong, in plain words (SEA, undefined instruction, refused, ...). */
  readonly error?: string;
  /**
   * The IPA of the access that took a synchronous external abort, when one ended the
   * operation: the shell looks up what stage 2 and the host decided about that access.
   */
  readonly seaIpa?: number;
  /**
   * The guest application whose program queued this operation at boot (guest/apps.ts);
   * absent for operations the shell queued, so a command reads only its own results.
   */
  readonly app?: string;
}
