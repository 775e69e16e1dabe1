// RSI_HOST_CALL (DEN0137 B5.3.4; cca-spec.md §4.1, §2.5): conditions in spec order; success exits to the
// host with imm and the RsiHostCall registers, and the host's answer is copied back.
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const NAME = 'RSI_HOST_CALL';

describe(specTitle('RSI_HOST_CALL'), () => {
  const lab = rsiLab();

  it('addr_align: addr not 256-byte aligned → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      lab.rsi(abi.SMC_RSI_HOST_CALL, 0x1080),
      NAME,
      'addr_align',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('addr_bound: an unprotected IPA → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      lab.rsi(abi.SMC_RSI_HOST_CALL, 2 ** 41 + 0x1000),
      NAME,
      'addr_bound',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('success: the host sees imm and the registers, and its answer lands in RsiHostCall', () => {
    const [r] = lab.ops({ op: 'hostcall', imm: 0x42, regs: [{ value: '0x5' }, { value: '0x6' }] });
    expect(r).toMatchObject({ ok: true, status: 'RSI_SUCCESS', values: { x0: '0x5', x1: '0x6' } });
    const exits = lab.m.ledger.filter((e) => e.kind === 'smc:call' && e.name === 'RMI_REC_ENTER');
    expect(exits.length).toBeGreaterThan(0);
  });
});
