/**
 * Policy → text: dialect-C text parses back to the same model (§2.2.1), dialect-P text inverts
 * the §2.4 translation for display (§8 item 1), and the human summary (§4.4 style).
 */
import { describe, expect, it } from 'vitest';
import {
  VIDEO_MODERATION,
  describePolicy,
  formatPolicyText,
  formatPolicyTextP,
  parsePolicy,
  toDialectC,
} from '../../src/policy/index.ts';
import { fixture, loadPolicy } from './helpers.ts';

describe('formatPolicyTextP (dialect P, §2.3)', () => {
  it('P1 round-trips through the paper vocabulary, FRESH/CLEAN/owner and the channel included', () => {
    const p1 = loadPolicy('p1-usecase3-policy1.json');
    const text = formatPolicyTextP(p1);
    expect(text.ok).toBe(true);
    if (!text.ok) return;
    expect(text.text).toContain('"properties": "PROTECTED|FRESH"');
    expect(text.text).toContain('"range": ["RSI", "OTHER"]');
    const back = parsePolicy(text.text);
    expect(back.ok && back.policy).toEqual(p1);
  });

  it('the locked-down video pipeline can be said in P: strict = not allowed-other-mappings, BLOCK RSI', () => {
    const parsed = parsePolicy(VIDEO_MODERATION.realms[1]!.text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    // The shipped file's exit rules block EXCEPTION 0x24 and 0x20 but leave WFx (0x01) open; P's
    // OTHER channel covers all three, so P cannot say them (named below). The rest can.
    expect(formatPolicyTextP(parsed.policy)).toMatchObject({
      ok: false,
      reasons: expect.arrayContaining([
        'CF3: EXCEPTION [0x24, 0x20] is not the translation of an RSI or OTHER channel',
      ]) as unknown,
    });
    const r = {
      ok: true as const,
      policy: {
        ...parsed.policy,
        cfs: parsed.policy.cfs.filter((cf) => cf.type === 'CALL'),
      } as typeof parsed.policy,
    };
    const text = formatPolicyTextP(r.policy);
    expect(text.ok).toBe(true);
    if (!text.ok) return;
    expect(text.text).toContain(
      '"VM2": { "hash": 0x2, "allowed-untrusted": false, "allowed-other-mappings": false }',
    );
    const back = parsePolicy(text.text);
    expect(back.ok && back.policy.dialect).toBe('P');
    const renamed = (p: typeof r.policy) => ({
      ...p,
      cfs: p.cfs.map((cf) => ({ ...cf, name: '' })),
    });
    expect(back.ok && renamed(toDialectC(back.policy))).toEqual(renamed(r.policy));
  });

  it('refuses, with reasons, what dialect P cannot say (C11: an ANY-less rule on class 0x23; C10: ANY count 1)', () => {
    expect(formatPolicyTextP(loadPolicy('c11-ra.json'))).toEqual({
      ok: false,
      reasons: ['CF1: CALL [0x23] is not the translation of an RSI or OTHER channel'],
    });
    expect(formatPolicyTextP(loadPolicy('c10-rnet.json'))).toEqual({
      ok: false,
      reasons: ['Mem1: ANY any-count 1 cannot be written in dialect P (always unlimited)'],
    });
  });
});

describe('formatPolicyText (dialect C, §2.2.1)', () => {
  it('a dialect-P policy is written as C with its channel rules renamed CF1..CF3', () => {
    const text = formatPolicyText(loadPolicy('p1-usecase3-policy1.json'));
    expect([...text.matchAll(/^ {2}"(C[A-Za-z]+\d*)"/gm)].map((m) => m[1])).toEqual([
      'CF1',
      'CF2',
      'CF3',
    ]);
  });

  it("P1's unlimited ANY (-1) is binary-only: its C text is refused at exactly that field", () => {
    const back = parsePolicy(formatPolicyText(loadPolicy('p1-usecase3-policy1.json')));
    expect(back.ok || back.errors.map((e) => `${e.code} ${e.path} ${e.found}`)).toEqual([
      'any-count Mem1.mappings.ANY.any-count -1',
    ]);
  });

  it('C1 written back out has the layout of the shipped file', () => {
    expect(formatPolicyText(loadPolicy('c1-video-rg.json')).replace(/\n\n/g, '\n')).toBe(
      fixture('c1-video-rg.json').replace(/\n\n/g, '\n'),
    );
  });
});

describe('describePolicy', () => {
  it('C10 mentions the ANY window and its count', () => {
    expect(describePolicy(loadPolicy('c10-rnet.json'))).toContain(
      '       ANY  RW at 0x18000000000, up to 1 other realm',
    );
  });
});
