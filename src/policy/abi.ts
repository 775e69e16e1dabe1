/**
 * Mica policy constants. NOT part of any Arm specification: these are the Mica extension's own
 * magic numbers, encodings, capacities, record offsets and function IDs, copied from the c3infer
 * prototype as documented in mica-spec.md §2.2.2 (encodings and caps), §2.2.3 (`POLY` v1),
 * §2.3 (`PAYL`, dialect P), §2.5 (validation codes), §3.1 (Mica RMI/RSI FIDs) and §4.2 (the
 * 2184-byte parsed record). Arm CCA constants live in src/emulator/abi; nothing here belongs
 * there.
 */

/** Magic of the dialect-C binary (§2.2.3): the u32 spelling `POLY`, stored LE as bytes 59 4c 4f 50. */
export const POLY_MAGIC = 0x504f4c59;
/** Magic of the legacy dialect-P binary, the u32 spelling `PAYL` (§2.3); the current RMM refuses it. */
export const PAYL_MAGIC = 0x5041594c;
/** The only binary version either format defines (§2.2.3, §2.3). */
export const POLICY_BINARY_VERSION = 1;

/** Granule that carries an uploaded binary: it must fit in one 4 KiB page (§2.2.2). */
export const POLICY_PAGE_SIZE = 0x1000;
/** Largest text the kernel uploader accepts on /dev/rsi_policy_json (§3.3): 1 MiB. */
export const POLICY_TEXT_MAX = 1 << 20;
/** Names are truncated to this many characters (§2.1), the `char name[4]` of every record. */
export const POLICY_NAME_LEN = 4;

/** `PARSER_MAX_*` capacities (§2.2.2). */
export const PARSER_MAX_VMS = 8;
export const PARSER_MAX_MEMS = 8;
export const PARSER_MAX_MAPPINGS = 8;
export const PARSER_MAX_CFS = 8;
export const PARSER_MAX_RANGE = 8;

/** VM index meaning "the ANY wildcard mapping" and, for a CF owner, "no owner" (§2.2.2). */
export const VM_IDX_ANY = 0xffff;
/** `any-count` value the RMM reads as "unlimited extra realms" (§2.2.2; binary only). */
export const ANY_COUNT_UNLIMITED = -1;

/** `prot` bits (§2.2.2). */
export const PROT_R = 1;
export const PROT_W = 2;
export const PROT_RW = 3;

/** Memory object `type` (§2.2.2); the RMM rejects OTHER. */
export const MEM_TYPE_PROTECTED = 1;
export const MEM_TYPE_UNPROTECTED = 2;
export const MEM_TYPE_OTHER = 3;

/** Control-flow rule `type` (§2.2.2); 0 is coerced to OTHER by the RMM. */
export const CF_TYPE_CALL = 1;
export const CF_TYPE_EXCEPTION = 2;
export const CF_TYPE_OTHER = 3;

/** Control-flow rule `policy` (§2.2.2); 0 is coerced to OTHER by the RMM. */
export const CF_POLICY_BLOCK = 1;
export const CF_POLICY_ALLOW = 2;
export const CF_POLICY_OTHER = 3;

/** ESR_EL2 exception class of SMC64, the only CALL range value the RMM enforces (§2.2.4). */
export const ESR_EC_SMC64 = 0x17;
/** ESR_EL2 EC of a data abort from a lower EL (MMIO exit), emulator EXCEPTION class (§8 item 6). */
export const ESR_EC_DABT_LOWER = 0x24;
/** ESR_EL2 EC of a trapped WFI/WFE, emulator EXCEPTION class (§8 item 6). */
export const ESR_EC_WFX = 0x01;
/** ESR_EL2 EC of an instruction abort from a lower EL (fault address in HPFAR), EXCEPTION class. */
export const ESR_EC_IABT_LOWER = 0x20;

/** Emulator pseudo-codes for CF type OTHER (§8 item 6): injected IRQ, FIQ, SError. */
export const CF_OTHER_IRQ = 1;
export const CF_OTHER_FIQ = 2;
export const CF_OTHER_SERROR = 3;

/**
 * The EXCEPTION range that closes every exception exit class (data abort, instruction abort,
 * WFx; see EXIT_CLASSES): what dialect P's OTHER channel translates to (§2.4, §8 item 6) and
 * what a locked-down stage BLOCKs (§5.4).
 */
export const EXCEPTION_EXIT_RANGE: readonly number[] = [
  ESR_EC_DABT_LOWER,
  ESR_EC_IABT_LOWER,
  ESR_EC_WFX,
];
/** Every OTHER pseudo-code (host-injected IRQ, FIQ, SError), dialect P's OTHER channel. */
export const OTHER_RANGE: readonly number[] = [CF_OTHER_IRQ, CF_OTHER_FIQ, CF_OTHER_SERROR];

/**
 * Every class of realm → host exit the policy language can name, with what it carries to the
 * host (mica-spec.md §1.3 sinks, §4.5 step 5, §8 item 6). A non-gateway realm keeps a channel to
 * the untrusted world through each class its transition table does not BLOCK. OTHER (IRQ, FIQ,
 * SError) classes are host → realm injections, not exits, so they are not listed.
 */
export const EXIT_CLASSES = [
  {
    type: 'CALL',
    range: ESR_EC_SMC64,
    name: 'SMC',
    carries: 'host calls and their arguments, and IPA-state changes',
    data: true,
  },
  {
    type: 'EXCEPTION',
    range: ESR_EC_DABT_LOWER,
    name: 'data abort',
    carries: 'emulated MMIO data (exit gprs[0]) and realm-chosen fault addresses (HPFAR, FAR)',
    data: true,
  },
  {
    type: 'EXCEPTION',
    range: ESR_EC_IABT_LOWER,
    name: 'instruction abort',
    carries: 'realm-chosen fault addresses (HPFAR)',
    data: true,
  },
  {
    type: 'EXCEPTION',
    range: ESR_EC_WFX,
    name: 'WFx',
    carries: 'when the realm idles (timing only: the monitor drops the WFI/WFE bit)',
    // The WFI/WFE choice (ESR.TI) would be one realm-chosen bit per exit. In Mica mode the
    // monitor forwards a policed realm's WFx exit with ISS zero (always "WFI") unless a rule
    // ALLOWs WFx, and an ALLOW rule draws its own edge; what is left is timing, the covert
    // signalling §1.3 leaves out of scope. So this class draws no edge. The locked-down
    // examples leave it open (a BLOCKed WFx is a NOP: an idle stage would spin, not yield its
    // vCPU). See ARCHITECTURE.md "One verifier, one verdict".
    data: false,
  },
] as const;

/**
 * The EXCEPTION range that closes every exit class carrying realm data (EXIT_CLASSES with
 * `data`: data aborts and instruction aborts): what a locked-down stage BLOCKs (§5.4).
 */
export const DATA_EXCEPTION_RANGE: readonly number[] = EXIT_CLASSES.filter(
  (c) => c.type === 'EXCEPTION' && c.data,
).map((c) => c.range);

/** Dialect-P encodings (§2.3, guest patches 0011/0017). */
export const P_PROPERTY_PROTECTED = 1 << 0;
export const P_PROPERTY_FRESH = 1 << 1;
export const P_ON_REMOVE_NONE = 0;
export const P_ON_REMOVE_CLEAN = 1;
export const P_MAPPED_NONE = 0;
export const P_MAPPED_PENDING = 1;
export const P_MAPPED_ACTIVE = 2;
export const P_RANGE_RSI = 1 << 0;
export const P_RANGE_OTHER = 1 << 1;
export const P_POLICY_SCRUB = 0;
export const P_POLICY_BLOCK = 1;
export const P_POLICY_DELEGATE = 2;

/** `POLY` v1 layout (§2.2.3): record sizes in bytes. */
export const POLY_HEADER_SIZE = 16;
export const POLY_VM_SIZE = 12;
export const POLY_MEM_SIZE = 16;
export const POLY_MAP_SIZE = 20;
export const POLY_CF_SIZE = 12;
export const POLY_RANGE_SIZE = 4;
/** Header field offsets. */
export const POLY_OFF_MAGIC = 0;
export const POLY_OFF_VERSION = 4;
export const POLY_OFF_SELF = 6;
export const POLY_OFF_NUM_VMS = 8;
export const POLY_OFF_NUM_MEMS = 10;
export const POLY_OFF_NUM_CFS = 12;
export const POLY_OFF_RESERVED = 14;
/** Worst-case `POLY` size with every cap used (§2.2.2): 1872 bytes. */
export const POLY_MAX_SIZE =
  POLY_HEADER_SIZE +
  PARSER_MAX_VMS * POLY_VM_SIZE +
  PARSER_MAX_MEMS * (POLY_MEM_SIZE + PARSER_MAX_MAPPINGS * POLY_MAP_SIZE) +
  PARSER_MAX_CFS * (POLY_CF_SIZE + PARSER_MAX_RANGE * POLY_RANGE_SIZE);

/** `PAYL` v1 layout (§2.3): record sizes in bytes. */
export const PAYL_HEADER_SIZE = 16;
export const PAYL_VM_SIZE = 12;
export const PAYL_PS_BASE_SIZE = 12;
export const PAYL_PS_EXT_SIZE = 12;
export const PAYL_MAP_SIZE = 12;
export const PAYL_CH_SIZE = 12;

/** The parsed record the RMM keeps in the PD granule, measures and streams (§4.2). */
export const RECORD_SIZE = 2184;
export const RECORD_OFF_SELF = 0;
export const RECORD_OFF_NUM_VMS = 2;
export const RECORD_OFF_NUM_MEMS = 4;
export const RECORD_OFF_NUM_CFS = 6;
export const RECORD_OFF_VMS = 8;
export const RECORD_VM_SIZE = 12;
export const RECORD_OFF_MEMS = 104;
export const RECORD_MEM_SIZE = 216;
/** Offsets inside one MEM slot. */
export const RECORD_MEM_OFF_SIZE = 8;
export const RECORD_MEM_OFF_TYPE = 16;
export const RECORD_MEM_OFF_NUM_MAPS = 18;
export const RECORD_MEM_OFF_MAPS = 24;
export const RECORD_MAP_SIZE = 24;
/** Offsets inside one mapping slot. */
export const RECORD_MAP_OFF_PROT = 2;
export const RECORD_MAP_OFF_GPA = 8;
export const RECORD_MAP_OFF_ANY_COUNT = 16;
export const RECORD_OFF_CFS = 1832;
export const RECORD_CF_SIZE = 44;
/** Offsets inside one CF slot. */
export const RECORD_CF_OFF_OWNER = 4;
export const RECORD_CF_OFF_TYPE = 6;
export const RECORD_CF_OFF_POLICY = 8;
export const RECORD_CF_OFF_RANGE_LEN = 10;
export const RECORD_CF_OFF_RANGE = 12;

/** Shared objects: sizes must be whole 4 KiB pages, at most this many (§2.2.4 "coverage error"). */
export const MEM_PAGE_SIZE = 0x1000;
export const MEM_MAX_PAGES = 4096;

/** Validation return codes of policy_validator.c (§2.5): logged; the realm sees RSI_ERROR_INPUT. */
export const VALIDATION_OK = 0;
export const VALIDATION_BAD_ARGS = -1;
export const VALIDATION_NOT_FOUND = -2;
export const VALIDATION_NO_PEERS = -3;
export const VALIDATION_CONFIG_MISMATCH = -4;
export const VALIDATION_SGT_CONFLICT = -5;
export const VALIDATION_SGT_COVERAGE = -6;
export const VALIDATION_ILLEGAL_EXTRA_REALM = -7;
export const VALIDATION_WRITE_BACK = -8;
export const VALIDATION_SGT_NOT_LOADABLE = -9;

/** Capacity of the global transition table (§2.7) and peers recorded per entry. */
export const TRANSITION_TABLE_MAX = 576;
export const TRANSITION_MAX_PEERS = 8;

/**
 * Mica function IDs (§3.1, `smc-rmi.h` / `smc-rsi.h` of the prototype, a TF-RMM 1.1-era tree).
 * Note the RSI ones sit in the range RMM 1.0 gives the RMM-EL3 interface; they are Mica's own.
 */
export const SMC_RMI_DATA_CREATE_UNKNOWN_SHARED = 0xc400016a;
export const SMC_RMI_SET_PROTECTED_SHARED_RANGE = 0xc400016b;
export const SMC_RMI_BIND_PROTECTED_SHARED = 0xc400016c;
export const SMC_RMI_REALM_PD = 0xc400016d;
export const SMC_RMI_SGT = 0xc400016e;
export const SMC_RMI_REALM_DUMMY_PAGE = 0xc400016f;
export const SMC_RSI_UPLOAD_POLICY = 0xc40001b0;
export const SMC_RSI_ATTEST_TOKEN_INIT_GROUP = 0xc40001b1;
export const SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP = 0xc40001b2;

/*
 * Monitor constants (mica-spec.md §3.2, §3.4, §4.3, §8). NOT Arm spec: Mica's own tables and
 * the emulator's choices where the prototype is silent.
 */

/** Shared-granule table blob header magic `SGTB` and version (§3.2). */
export const SGT_MAGIC = 0x53475442;
export const SGT_VERSION = 1;
/** SGT capacity in entries, bytes per entry and header, and host-donated granules (§3.2). */
export const SGT_MAX_ENTRIES = 4096;
export const SGT_HEADER_SIZE = 16;
export const SGT_ENTRY_SIZE = 24;
export const SGT_MAX_GRANULES = 32;
/** Granules that hold a full SGT (§8 item 12: 25 suffice for 4096 entries). */
export const SGT_GRANULES_FULL = Math.ceil(
  (SGT_HEADER_SIZE + SGT_MAX_ENTRIES * SGT_ENTRY_SIZE) / POLICY_PAGE_SIZE,
);
/** Largest hash label (§2.2.2): a u32. */
export const HASH_LABEL_MAX = 0xffff_ffff;
/** Realm registry ("RAM" table) capacity (§3.2). */
export const REGISTRY_MAX = 8;
/** Protected-shared-range bookkeeping table capacity (§3.1). */
export const PSR_TABLE_MAX = 32;
/** FRESH host-page ownership table capacity (§3.2, §3.8). */
export const FRESH_TABLE_MAX = 131072;
/** Largest group a group token covers (§4.3). */
export const GROUP_MAX = 8;
/** Bytes of one streamed policy blob (§4.3): the parsed record. */
export const GROUP_BLOB_SIZE = RECORD_SIZE;
/**
 * Emulator choice, not in the prototype (issue 11 finding 5): the group token's REM3 slot
 * carries the group's configuration epoch (the newest upload order among its members), so a
 * verdict cannot outlive the configuration it attested. The slot holds this 8-byte ASCII tag,
 * then the epoch as a little-endian u64, then zeros; the caller's own REM3 is not in a group
 * token (REM1-REM2 still are).
 */
export const GROUP_EPOCH_REM = 3;
export const GROUP_EPOCH_TAG = 'MICAEPCH';
/** Bytes of the epoch after the tag. */
export const GROUP_EPOCH_SIZE = 8;

/** Protected ivshmem BARs (§8 item 17): BAR2 of the n-th device at base + n × stride. */
export const IVSHMEM_BAR_BASE = 0x18000000000;
export const IVSHMEM_BAR_STRIDE = 0x4000000;
/** Realm IPA width the lab uses for Mica realms (§8 item 17): 42 bits. */
export const MICA_IPA_WIDTH = 42;

/**
 * The prototype's gaps (§6 Status G, plus the "I" items the prototype leaves out), each a
 * named switch of the machine's `gaps` (product.md "Mica prototype"). All are on by default in
 * prototype mode; none in Mica mode.
 */
export const MICA_GAPS = [
  /** Attack 1: NS mappings of a non-gateway survive its upload (§3.5). */
  'gap-existing-ns-mappings',
  /** Attack 6: DATA_CREATE_UNKNOWN_SHARED after upload maps without a policy check (§8 item 4). */
  'gap-map-after-upload',
  /** Attack 13: hash labels are first come, not bound to the RIM (§8 item 3). */
  'gap-first-come-labels',
  /** Attack 11: shared pages stay DELEGATED and may be undelegated while mapped (§8 item 13). */
  'gap-undelegate-shared',
  /** Attack 20: host-injected interrupts always reach the realm (§3.6). */
  'gap-debug-irq',
  /** Attack 21: SGT read-modify-write without a lock (§3.2, §3.3 d). */
  'gap-sgt-race',
  /** A failed upload is not rolled back (§3.3 step 7, §8 item 10). */
  'gap-no-rollback',
  /** Attack 4: CF types EXCEPTION / OTHER are recorded only (§2.2.4, §8 item 6). */
  'gap-cf-exits-unenforced',
  /** Attack 10: no CLEAN of a region losing its last mapping (§3.7). */
  'gap-no-clean',
  /** Attack 9 across objects: no FRESH page ownership (§3.8). */
  'gap-no-fresh',
  /** §8 item 2: `prot` is not applied, every shared mapping behaves RW. */
  'gap-prot-ignored',
] as const;

/** One prototype gap switch. */
export type MicaGap = (typeof MICA_GAPS)[number];
