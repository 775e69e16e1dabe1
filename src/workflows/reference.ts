/**
 * The tenant's reference values for the realms of a workflow (cca-spec.md §5.2-§5.5
 * measurement, §6.4 appraisal; mica-spec.md §4.5 step 3 "recompute the group RIM from the
 * members' reference values"): the RIM and RPV a realm must have if the scenario host built
 * exactly what the tenant asked for, recomputed from the intent alone, never read from the RD
 * of the realm the host built. A host that substitutes a realm (another image under a stage's
 * name) gets a realm whose measurement differs, and the group verifier rejects it.
 *
 * Design rationale: the same approach as the lab VMM's tenant reference
 * (src/emulator/host/reference.ts), for the scenario host's build sequence (host.ts
 * `MicaHost.createRealm`): REALM_CREATE's measured parameters, one RTT_INIT_RIPAS over the
 * first level-2 block, DATA_CREATE of the measured code page and of three unmeasured pages
 * (their IPA and flags still count), and REC_CREATE of the runnable REC 0. It uses the public
 * measurement functions of rmm/measure and no machine state; `tests/workflows/reference.test.ts`
 * holds it to what honest builds measure, so a change of the build shows up there.
 * NOT part of any Arm specification: a verifier's tooling.
 */
import { abi, measure } from '../emulator/index.ts';
import { toHex, utf8 } from '../lib/bytes.ts';
import { MICA_IPA_WIDTH } from '../policy/abi.ts';
import { PROGRAM_BASE } from './guest.ts';
import { ATTEST_IPA, CODE_IPA, HOSTCALL_IPA, POLICY_IPA } from './host.ts';

/** What the tenant asked the scenario host to build: the stage's name and its code image. */
export interface StageIntent {
  readonly name: string;
  /** The image the code page is built from (default: the name). */
  readonly image?: string;
}

/** Breakpoints and watchpoints the scenario host asks for (measured in RmiRealmParams). */
const HOST_NUM_BPS = 1;
const HOST_NUM_WPS = 1;
/** The IPA span RTT_INIT_RIPAS covers: one level-2 block (the host's tables stop there). */
const RAM_BLOCK = 0x200000;
/** Bytes of a Realm Personalization Value (RmiRealmParams.rpv). */
const RPV_BYTES = 64;

/** The RPV the scenario host gives stage `name` (its name, zero-padded). */
export function stageRpv(name: string): Uint8Array {
  const rpv = new Uint8Array(RPV_BYTES);
  rpv.set(utf8(`rpv:${name}`).subarray(0, RPV_BYTES));
  return rpv;
}

/** The measured code page of a stage built from `image`. */
function codePage(image: string): Uint8Array {
  const page = new Uint8Array(abi.GRANULE_SIZE);
  page.set(utf8(`image:${image}`));
  return page;
}

/** The stored RIM (hex) and RPV (hex) a stage built as `intent` must have, recomputed. */
export function stageReference(intent: StageIntent): { rim: string; rpv: string } {
  const algo = 'sha-512';
  let rim = measure.rimInit(algo, {
    flags: 0n,
    s2sz: BigInt(MICA_IPA_WIDTH),
    sveVl: 0n,
    numBps: BigInt(HOST_NUM_BPS),
    numWps: BigInt(HOST_NUM_WPS),
    pmuNumCtrs: 0n,
    hashAlgo: BigInt(abi.RMI_HASH_SHA_512),
  });
  rim = measure.extendRimRipas(algo, rim, 0n, BigInt(RAM_BLOCK));
  const measured = BigInt(abi.RMI_MEASURE_CONTENT);
  const unmeasured = BigInt(abi.RMI_NO_MEASURE_CONTENT);
  rim = measure.extendRimData(
    algo,
    rim,
    BigInt(CODE_IPA),
    measured,
    codePage(intent.image ?? intent.name),
  );
  for (const ipa of [POLICY_IPA, HOSTCALL_IPA, ATTEST_IPA])
    rim = measure.extendRimData(algo, rim, BigInt(ipa), unmeasured, undefined);
  rim = measure.extendRimRec(algo, rim, {
    flags: BigInt(abi.RMI_RUNNABLE),
    pc: BigInt(PROGRAM_BASE),
    gprs: [],
  });
  return { rim: toHex(rim), rpv: toHex(stageRpv(intent.name)) };
}
