/**
 * The legacy `PAYL` v1 binary (dialect P, mica-spec.md §2.3), which the current RMM refuses by
 * magic: decoded and translated to the dialect-C model (§2.4) so the lab can show what it meant.
 */
import {
  ANY_COUNT_UNLIMITED,
  ESR_EC_SMC64,
  EXCEPTION_EXIT_RANGE,
  OTHER_RANGE,
  PARSER_MAX_CFS,
  PARSER_MAX_MAPPINGS,
  PARSER_MAX_MEMS,
  PARSER_MAX_VMS,
  PAYL_CH_SIZE,
  PAYL_HEADER_SIZE,
  PAYL_MAGIC,
  PAYL_MAP_SIZE,
  PAYL_PS_BASE_SIZE,
  PAYL_PS_EXT_SIZE,
  PAYL_VM_SIZE,
  POLY_OFF_NUM_CFS,
  POLY_OFF_NUM_MEMS,
  POLY_OFF_NUM_VMS,
  P_MAPPED_ACTIVE,
  P_MAPPED_PENDING,
  P_ON_REMOVE_CLEAN,
  P_POLICY_BLOCK,
  P_POLICY_DELEGATE,
  P_PROPERTY_FRESH,
  P_PROPERTY_PROTECTED,
  P_RANGE_OTHER,
  P_RANGE_RSI,
  VM_IDX_ANY,
} from '../abi.ts';
import type {
  CfPolicy,
  LegacyChannel,
  Policy,
  PolicyCf,
  PolicyMapping,
  PolicyMem,
  PolicyVm,
} from '../model.ts';
import {
  Cursor,
  checkZeroTail,
  fail,
  failWith,
  PROTS,
  readHeader,
  vmIndexOk,
  type DecodeResult,
} from './common.ts';
import { hex } from '../../lib/hex.ts';

export function decodePayl(bytes: Uint8Array): DecodeResult {
  const c = new Cursor(bytes);
  const header = readHeader(c, PAYL_MAGIC);
  if ('ok' in header) return header;
  const v = c.view;
  if (header.vms > PARSER_MAX_VMS)
    return fail(c, POLY_OFF_NUM_VMS, 'num_vms', `${header.vms} VMs, the cap is ${PARSER_MAX_VMS}`);
  if (header.mems > PARSER_MAX_MEMS)
    return fail(
      c,
      POLY_OFF_NUM_MEMS,
      'num_ps',
      `${header.mems} regions, the cap is ${PARSER_MAX_MEMS}`,
    );
  if (header.cfs > PARSER_MAX_CFS)
    return fail(
      c,
      POLY_OFF_NUM_CFS,
      'num_ch',
      `${header.cfs} channels, the cap is ${PARSER_MAX_CFS}`,
    );
  c.at = PAYL_HEADER_SIZE;
  const vms: PolicyVm[] = [];
  for (let i = 0; i < header.vms; i++) {
    const at = c.take(PAYL_VM_SIZE, `vms[${i}]`, 'VM record');
    if (typeof at !== 'number') return failWith(c, at);
    const other = v.u8(at + 9) !== 0;
    vms.push({
      name: v.name(at),
      hash: v.u32(at + 4),
      isGateway: v.u8(at + 8) !== 0,
      strict: !other,
      legacy: { allowedOtherMappings: other },
    });
  }
  const mems: PolicyMem[] = [];
  for (let i = 0; i < header.mems; i++) {
    const f = `ps[${i}]`;
    const at = c.take(PAYL_PS_BASE_SIZE + PAYL_PS_EXT_SIZE, f, 'protected-shared region');
    if (typeof at !== 'number') return failWith(c, at);
    const numMaps = v.u16(at + 8);
    if (numMaps > PARSER_MAX_MAPPINGS)
      return fail(
        c,
        at + 8,
        `${f}.num_maps`,
        `${numMaps} mappings, the cap is ${PARSER_MAX_MAPPINGS}`,
      );
    const ext = at + PAYL_PS_BASE_SIZE;
    const props = v.u32(ext);
    if (props & ~(P_PROPERTY_PROTECTED | P_PROPERTY_FRESH)) {
      return fail(
        c,
        ext,
        `${f}.properties`,
        `unknown property bits ${hex(props)} (bit 0 PROTECTED, bit 1 FRESH)`,
      );
    }
    const owner = v.u16(ext + 4);
    if (!vmIndexOk(owner, header.vms))
      return fail(c, ext + 4, `${f}.owner`, `owner index ${owner} is out of range`);
    const onRemove = v.u16(ext + 6);
    if (onRemove > P_ON_REMOVE_CLEAN)
      return fail(
        c,
        ext + 6,
        `${f}.on_remove`,
        `expected 0 (NONE) or 1 (CLEAN), found ${onRemove}`,
      );
    const mapped = v.u16(ext + 8);
    if (mapped > P_MAPPED_ACTIVE)
      return fail(
        c,
        ext + 8,
        `${f}.mapped`,
        `expected 0..2 (NONE, PENDING, ACTIVE), found ${mapped}`,
      );
    const mappings: PolicyMapping[] = [];
    for (let j = 0; j < numMaps; j++) {
      const mf = `${f}.maps[${j}]`;
      const m = c.take(PAYL_MAP_SIZE, mf, 'mapping');
      if (typeof m !== 'number') return failWith(c, m);
      const index = v.u16(m);
      if (!vmIndexOk(index, header.vms))
        return fail(c, m, `${mf}.vm_index`, `VM index ${index} is out of range and not ANY 0xffff`);
      const prot = v.u16(m + 2);
      if (prot < 1 || prot > 3)
        return fail(c, m + 2, `${mf}.prot`, `expected 1 (R), 2 (W) or 3 (RW), found ${prot}`);
      const any = index === VM_IDX_ANY;
      mappings.push({
        vm: any ? 'ANY' : index,
        prot: PROTS[prot - 1]!,
        gpa: v.u64(m + 4),
        anyCount: any ? ANY_COUNT_UNLIMITED : 0,
      });
    }
    mems.push({
      name: v.name(at),
      size: BigInt(v.u32(at + 4)),
      type: props & P_PROPERTY_PROTECTED ? 'PROTECTED' : 'UNPROTECTED',
      mappings,
      legacy: {
        fresh: (props & P_PROPERTY_FRESH) !== 0,
        clean: onRemove === P_ON_REMOVE_CLEAN,
        owner: owner === VM_IDX_ANY ? null : owner,
        mapped:
          mapped === P_MAPPED_ACTIVE ? 'ACTIVE' : mapped === P_MAPPED_PENDING ? 'PENDING' : 'NONE',
      },
    });
  }
  const cfs: PolicyCf[] = [];
  for (let i = 0; i < header.cfs; i++) {
    const f = `ch[${i}]`;
    const at = c.take(PAYL_CH_SIZE, f, 'channel record');
    if (typeof at !== 'number') return failWith(c, at);
    const owner = v.u16(at + 4);
    if (!vmIndexOk(owner, header.vms))
      return fail(c, at + 4, `${f}.owner`, `owner index ${owner} is out of range`);
    const mask = v.u16(at + 6);
    if (mask & ~(P_RANGE_RSI | P_RANGE_OTHER))
      return fail(
        c,
        at + 6,
        `${f}.range_mask`,
        `unknown range bits ${hex(mask)} (bit 0 RSI, bit 1 OTHER)`,
      );
    const code = v.u16(at + 8);
    if (code > P_POLICY_DELEGATE)
      return fail(
        c,
        at + 8,
        `${f}.policy`,
        `expected 0 (SCRUB), 1 (BLOCK) or 2 (DELEGATE), found ${code}`,
      );
    const pPolicy =
      code === P_POLICY_BLOCK ? 'BLOCK' : code === P_POLICY_DELEGATE ? 'DELEGATE' : 'SCRUB';
    const cPolicy: CfPolicy =
      pPolicy === 'BLOCK' ? 'BLOCK' : pPolicy === 'DELEGATE' ? 'ALLOW' : 'OTHER';
    const range: ('RSI' | 'OTHER')[] = [];
    if (mask & P_RANGE_RSI) range.push('RSI');
    if (mask & P_RANGE_OTHER) range.push('OTHER');
    const name = v.name(at);
    const legacy: LegacyChannel = { channel: name, range, policy: pPolicy };
    const own = owner === VM_IDX_ANY ? 'NONE' : owner;
    if (mask & P_RANGE_RSI)
      cfs.push({ name, owner: own, type: 'CALL', policy: cPolicy, range: [ESR_EC_SMC64], legacy });
    if (mask & P_RANGE_OTHER) {
      cfs.push({
        name,
        owner: own,
        type: 'EXCEPTION',
        policy: cPolicy,
        range: [...EXCEPTION_EXIT_RANGE],
        legacy,
      });
      cfs.push({
        name,
        owner: own,
        type: 'OTHER',
        policy: cPolicy,
        range: [...OTHER_RANGE],
        legacy,
      });
    }
  }
  if (cfs.length > PARSER_MAX_CFS) {
    return fail(
      c,
      POLY_OFF_NUM_CFS,
      'num_ch',
      `the channels translate to ${cfs.length} CF rules, the cap is ${PARSER_MAX_CFS} (§2.4)`,
    );
  }
  checkZeroTail(c);
  const policy: Policy = { dialect: 'P', self: header.self, vms, mems, cfs };
  return { ok: true, policy, format: 'PAYL', length: c.at, warnings: c.warnings };
}
