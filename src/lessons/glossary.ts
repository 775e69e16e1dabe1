/**
 * The glossary as data: the terms a lesson lists (`Lesson.glossary`) are checked against it,
 * `mica-lab lesson show` and the page's lesson pane list them with their definitions
 * ({@link lessonGlossary}), read from here and nowhere else. It mirrors
 * GLOSSARY.md row for row; a test compares the two, so editing one without the other fails CI.
 */

/** One glossary entry. */
export interface GlossaryEntry {
  /** The term exactly as GLOSSARY.md writes it in bold, e.g. `GPT / GPI`. */
  readonly term: string;
  readonly definition: string;
  /** True for terms the Mica extension adds (not Arm CCA). */
  readonly mica?: boolean;
}

/** Every glossary entry, in GLOSSARY.md order. */
export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    term: 'CCA',
    definition:
      'Arm Confidential Compute Architecture: hardware (RME) and firmware that let a host run virtual machines it cannot inspect.',
  },
  {
    term: 'RME',
    definition:
      'Realm Management Extension: the hardware part, adding the Root and Realm security states and the GPT.',
  },
  {
    term: 'PAS',
    definition:
      'Physical Address Space: Non-secure, Secure, Realm or Root. Every memory access is made to one PAS.',
  },
  {
    term: 'GPT / GPI',
    definition:
      'Granule Protection Table, owned by EL3: for every 4 KiB granule a GPI (Granule Protection Information) saying which PAS may access it (NS, REALM, SECURE, ROOT, ANY, NO_ACCESS).',
  },
  {
    term: 'GPC / GPF',
    definition:
      'Granule Protection Check, applied to every access; a refused access is a Granule Protection Fault.',
  },
  { term: 'Granule', definition: 'A 4 KiB unit of physical memory, the unit of delegation.' },
  {
    term: 'EL3 / monitor',
    definition:
      'The Root-world firmware (TF-A BL31): routes SMCs, is the only writer of the GPT (GTSI), provides the platform attestation token.',
  },
  {
    term: 'GTSI',
    definition:
      'Granule Transition Service Interface: the RMM asks EL3 to move a granule NS <-> REALM.',
  },
  {
    term: 'RMM',
    definition: 'Realm Management Monitor: the R-EL2 firmware that manages realms for the host.',
  },
  {
    term: 'RMI',
    definition: 'Realm Management Interface: SMCs from the host to the RMM (FIDs 0xC4000150..18F).',
  },
  {
    term: 'RSI',
    definition: 'Realm Services Interface: calls from a realm to the RMM (FIDs 0xC4000190..1AF).',
  },
  {
    term: 'Delegate / undelegate',
    definition:
      'RMI_GRANULE_DELEGATE moves a granule from the host to the RMM (GPI NS -> REALM, state DELEGATED, wiped); undelegate moves it back.',
  },
  {
    term: 'Realm',
    definition:
      'A protected VM. Its memory is in the Realm PAS; the host manages but cannot read it.',
  },
  {
    term: 'RD',
    definition: "Realm Descriptor: the granule holding a realm's parameters and state.",
  },
  {
    term: 'REC',
    definition:
      'Realm Execution Context: one virtual CPU of a realm. REC_AUX granules are its extra storage.',
  },
  {
    term: 'RTT',
    definition: "Realm Translation Table: the realm's stage-2 page tables, owned by the RMM.",
  },
  {
    term: 'Translation cache / flush',
    definition:
      "The emulator's TLB for bulk guest accesses (`rmm/tlb.ts`): (realm, IPA page, read or write) -> PA, PAS and the extension's decision, filled only by successful translations. A flush (every host SMC but REC_ENTER, every realm SMC, every state replacement, and every RTT, GPT, granule or Mica mapping change) drops it all.",
  },
  {
    term: 'IPA',
    definition:
      "Intermediate Physical Address: the realm's view of memory. The top bit splits it into a protected half (Realm PAS) and an unprotected half (shared with the host).",
  },
  {
    term: 'HIPAS / RIPAS',
    definition:
      'Host IPA state (what the host mapped: UNASSIGNED, ASSIGNED, ...) and Realm IPA state (what the realm agreed to: EMPTY, RAM, DESTROYED).',
  },
  {
    term: 'RIM',
    definition:
      'Realm Initial Measurement: a rolling hash of everything that built the realm, frozen at activation.',
  },
  {
    term: 'REM',
    definition: 'Realm Extensible Measurements 0..3, extended by the realm at run time.',
  },
  {
    term: 'RPV',
    definition:
      'Realm Personalization Value: 64 bytes chosen by the host at creation, reported in the token.',
  },
  {
    term: 'RAK / CPAK',
    definition:
      'Realm Attestation Key (signs the realm token) and CCA Platform Attestation Key (signs the platform token). The lab uses public test keys and says so.',
  },
  {
    term: 'CCA token / CCA attestation token',
    definition:
      'A CBOR collection (tag 399 in RMM 1.0) of the platform token and the realm token, each a COSE_Sign1.',
  },
  {
    term: 'Binding',
    definition:
      "The platform token's challenge is the hash of the RAK public key, tying the two tokens together.",
  },
  {
    term: 'SMC / SMCCC',
    definition: 'Secure Monitor Call and its calling convention; `-1` = SMCCC_NOT_SUPPORTED.',
  },
  {
    term: 'Failure condition',
    definition:
      'A numbered check of an RMI/RSI command with a spec label (`gran_align`, `rd_state`, ...); the first that fires decides the status.',
  },
  {
    term: 'Flow ledger / ledger',
    definition:
      "The lab's append-only log of every event; every view, explanation and test reads it.",
  },
  {
    term: 'Provenance label',
    definition:
      "A mark such as `video` on bytes derived from a tenant's sensitive input. A fact of the machine: attached only at a declared source (`tenant send` + `net recv`), carried by loads, registers, stores and copies; no program can set or clear one.",
  },
  {
    term: 'Declared source',
    definition:
      "Where sensitive input enters and gets its label: the tenant's packet on a realm's network device (`labelAtSource`, or `receiveAtSource` when the device writes the bytes too; ledger rule `source:declared`). Its arrival is the input, not a leak.",
  },
  {
    term: 'Mica policy / policy',
    definition:
      'A tenant-written declaration of every communication path of a realm: protected shared memory, unprotected memory, control transfers.',
    mica: true,
  },
  {
    term: 'Agreement / chain of custody',
    definition:
      "The check that neighbouring realms' policies describe their shared objects identically.",
    mica: true,
  },
  {
    term: 'Group token',
    definition:
      'An attestation token covering every realm of a group and their policies, from which a verifier decides whether data can reach an untrusted sink.',
    mica: true,
  },
  {
    term: 'SGT',
    definition:
      "Shared-granule table: the monitor's list of every protected shared mapping (PA, IPA, realm), kept in granules the host donates (§3.2); it counts a page's mappings, and when the last one that reaches the page goes, CLEAN zeroes it.",
    mica: true,
  },
  {
    term: 'Prototype gap',
    definition:
      'A named switch (`gap-map-after-upload`, `gap-no-clean`, ...) for one way the Mica prototype falls short of the specification (the Status column of §6). Mode `mica-prototype` switches them on (all unless listed); mode `mica` runs with none.',
    mica: true,
  },
  {
    term: 'U',
    definition:
      "The untrusted world (the host, its devices, anyone not in the group) in the group verifier's flow graph and the Pipeline view: a path from the tenant's source to U is a way its data can leak (§4.5).",
    mica: true,
  },
  {
    term: 'Configuration epoch',
    definition:
      "The newest upload order among a group's members, carried in the group token's REM3; the tenant remembers the newest authentic one per pipeline, and an older token is stale.",
    mica: true,
  },
  {
    term: 'Reference values',
    definition:
      'The RIM and RPV a relying party expects, recomputed from the image and parameters the tenant asked for (`state.host.intents`), never read from the realm the host built.',
  },
  {
    term: 'Unshare / CLEAN',
    definition:
      "RMI_DATA_DESTROY at a shared IPA removes that realm's mapping of the page; when it was the last mapping that reaches the page (a realm whose policy never activated the page reaches only its dummy page) the monitor zeroes the page (CLEAN) and releases its FRESH claim before anyone can reuse it.",
    mica: true,
  },
  {
    term: 'Scenario file',
    definition:
      "A JSON file in `scenarios/` (format `mica-lab/workflow-scenario`, `ScenarioFile` in `src/workflows/scenario-file.ts`): a workflow run (mode and gap switches, realms with their programs and policies, the host script, the sensitive input, the sanitisers) plus the outcome the machine must reach. Run by `mica-lab run` and the Pipeline view's menu.",
  },
  {
    term: 'Sanitiser mark',
    definition:
      "`passed:<sanitiser>` beside a byte's labels: the machine adds it to what a realm the tenant declared a sanitiser (by RIM) computes from labelled input; copies carry it, computation elsewhere drops it. Labelled bytes the declared gateway hands out with it are the allowed exit (\u00a74.5 step 6), not a leak.",
  },
  {
    term: 'Declared gateway',
    definition:
      'The realm the tenant\'s data enters and, sanitised, leaves by, named by the tenant by its RIM (`declaredRealm`, role `gateway`). Flows a realm hands to the host carry its RIM; the allowed exit is a flow with the declared gateway\'s RIM, never one from a realm the host merely calls "gateway" or built later at the same RD.',
  },
  {
    term: 'Declared member',
    definition:
      'A realm of its pipeline the tenant declares by RIM (`declaredRealm`, role `member`; `state.tenant` keeps it with the gateway and sanitisers). Flows into a realm record its RIM: labelled bytes reaching a realm not declared are a leak (\u00a71.3), whatever the host calls it. No member declared: the list stays open, and the judge says so.',
  },
  {
    term: 'Declared expectations',
    definition:
      "What the tenant's group verifier expects of a realm it declares by RIM (`declaredRealm` with `expects`: reference RPV, policy record; role `source` starts the path search). Kept in `state.tenant`: a kept group token's verdict comes from the machine alone; none: not verified, with the reason.",
  },
  {
    term: 'Stage role',
    definition:
      "What a realm does in the video application (`videoRoles`, `src/workflows/video.ts`): gateway, encoder, moderator or storage, read from the policies' one-way objects and the tenant's sanitisers, never from the upload order. The Data view finds the same roles from the machine (declared sanitiser by RIM, else whole records).",
  },
  {
    term: 'Published result',
    definition:
      "What the gateway sends out of its network device (`PUBLISH_IPA`, its NIC transmit buffer) after the video came back to it: storage's hand-back through Mem4 in `video-publish`, RN's Mem3 in the ring. With the moderator's mark it is the allowed exit; without it, a leak.",
  },
  {
    term: 'Scenario link',
    definition:
      'A shareable URL (format `mica-lab/scenario`, `src/lessons/scenario.ts`): a lesson or start state plus the commands a learner typed, replayed by `mica-lab scenario run`. Not a scenario file.',
  },
  {
    term: 'Host script',
    definition:
      "The ordered steps of a scenario file's host (`setup`, `run-app`, `attest`, `map-shared`, `alias`, `destroy`, ...): the runbook, or a \u00a76 host attack when it maps, aliases, skips or reorders.",
  },
  {
    term: 'Malicious program',
    definition:
      'A variant of a stage (`src/workflows/programs/`): a guest program over the data the stage received (copy to NS memory, smuggle in host-call or exit registers, change its policy, ...). It names no label and reports nothing; the judge reads the ledger.',
  },
  {
    term: 'Expected outcome',
    definition:
      'What a scenario file says the machine concludes: `no-leak`, `leak` through a channel, `blocked` by a clause, or `rejected` by the group verifier for a check. A leak outranks a block, a block outranks a rejection.',
  },
];

/** Looks up a term (exact spelling). */
export function glossaryEntry(term: string): GlossaryEntry | undefined {
  return GLOSSARY.find((e) => e.term === term);
}

/** The terms a lesson shows, as {@link lessonGlossary} reads them. */
export interface LessonGlossary {
  /** The lesson's terms in the order the lesson lists them, each once, as GLOSSARY entries. */
  readonly entries: readonly GlossaryEntry[];
  /** Terms the lesson lists that the glossary does not define (exact spelling), each once. */
  readonly unknown: readonly string[];
}

/**
 * The glossary entries of a lesson's `glossary` list, in the lesson's order (the author's:
 * the terms the text leans on first come first), a repeated term once. A term the glossary
 * does not define is returned in `unknown`, never dropped in silence: the lesson validator
 * refuses such a lesson, and a view that meets one anyway can say so.
 */
export function lessonGlossary(terms: readonly string[]): LessonGlossary {
  const entries: GlossaryEntry[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const term of terms) {
    if (seen.has(term)) continue;
    seen.add(term);
    const entry = glossaryEntry(term);
    if (entry) entries.push(entry);
    else unknown.push(term);
  }
  return { entries, unknown };
}
