// The RSI command table against the spec's FID list (cca-spec.md §4.1): every RSI FID of
// RMM 1.0-rel0 is answered, by the built-in table or by the exit protocol (realm-calls.ts),
// each once, with its spec name.
import { describe, expect, it } from 'vitest';
import { RSI_COMMANDS, abi, rsiCommandByFid } from '../../../src/emulator/index.ts';

const SPEC_FIDS: Readonly<Record<string, number>> = {
  RSI_VERSION: 0xc4000190,
  RSI_FEATURES: 0xc4000191,
  RSI_MEASUREMENT_READ: 0xc4000192,
  RSI_MEASUREMENT_EXTEND: 0xc4000193,
  RSI_ATTESTATION_TOKEN_INIT: 0xc4000194,
  RSI_ATTESTATION_TOKEN_CONTINUE: 0xc4000195,
  RSI_REALM_CONFIG: 0xc4000196,
  RSI_IPA_STATE_SET: 0xc4000197,
  RSI_IPA_STATE_GET: 0xc4000198,
  RSI_HOST_CALL: 0xc4000199,
};
/** Handled by realm-calls.ts because they make REC exits. */
const EXIT_PROTOCOL = new Set(['RSI_IPA_STATE_SET', 'RSI_HOST_CALL']);

describe('RSI command table', () => {
  it('the abi constants carry the spec FIDs', () => {
    for (const [name, fid] of Object.entries(SPEC_FIDS)) {
      expect((abi as unknown as Record<string, number>)[`SMC_${name}`], name).toBe(fid);
    }
  });

  it('every RSI command is in exactly one place, under its spec name', () => {
    for (const [name, fid] of Object.entries(SPEC_FIDS)) {
      const row = rsiCommandByFid(fid);
      if (EXIT_PROTOCOL.has(name)) expect(row, name).toBeUndefined();
      else expect(row?.name, name).toBe(name);
    }
    const fids = RSI_COMMANDS.map((c) => c.fid);
    expect(new Set(fids).size).toBe(fids.length);
  });

  it('besides RSI the table answers only SMCCC_VERSION', () => {
    const extra = RSI_COMMANDS.filter((c) => !Object.values(SPEC_FIDS).includes(c.fid));
    expect(extra.map((c) => c.name)).toEqual(['SMCCC_VERSION']);
  });
});
