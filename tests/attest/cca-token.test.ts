// The lab's CCA token (cca-spec.md §6.1-6.4): built as TF-RMM 1.0-rel0 does, it round-trips
// through the explaining verifier; an independent implementation (node:crypto) checks the
// signatures; the inspector's byte ranges point at the right claims.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, toBase64 } from '../../src/lib/bytes.ts';
import { abi, attest } from '../../src/emulator/index.ts';
import { labInput } from './helpers.ts';

const input = labInput();
const token = attest.buildCcaToken(input);
const cpak = attest.TEST_CPAK_PUBLIC;

function cose(bytesHolder: attest.CborItem, buf: Uint8Array): attest.CoseSign1 {
  if (bytesHolder.kind !== 'bstr') throw new Error('not a bstr');
  const walked = attest.walkCbor(buf, bytesHolder.headerEnd, bytesHolder.end);
  if (!walked.ok) throw new Error(walked.error);
  const parsed = attest.parseCoseSign1(walked.item);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.sign1;
}

function parts(buf: Uint8Array): attest.CcaTokenParts {
  const w = attest.decodeCcaWrapper(buf);
  if (!w.ok) throw new Error(w.error);
  return w.parts;
}

describe('buildCcaToken', () => {
  it('starts with tag 399 (D9 01 8F) and a 2-entry map 44234, 44241 of tagged COSE_Sign1', () => {
    expect(toHex(token.subarray(0, 8))).toBe('d9018fa219acca59');
    const p = parts(token);
    expect(p.form).toBe('1.0');
    expect(p.platformBstr.value[0]).toBe(0xd2);
    expect(p.realmBstr.value[0]).toBe(0xd2);
  });

  it('signs the realm token with ES384 (protected header A1 01 38 22, 96-byte signature)', () => {
    const realm = cose(parts(token).realmBstr, token);
    expect(toHex(realm.protectedBytes)).toBe('a1013822');
    expect(realm.signature.length).toBe(96);
  });

  it('writes the realm claims in TF-RMM order with 32 significant RIM/REM bytes for sha-256', () => {
    const realm = cose(parts(token).realmBstr, token);
    const walked = attest.walkCbor(realm.payload);
    expect(walked.ok).toBe(true);
    if (!walked.ok || walked.item.kind !== 'map') return;
    expect(walked.item.entries.map((e) => (e.key as { value: number }).value)).toEqual([
      ...abi.CCA_REALM_CLAIM_ORDER,
    ]);
    const get = (k: number) =>
      walked.item.kind === 'map'
        ? walked.item.entries.find((e) => (e.key as { value: number }).value === k)!.value
        : undefined;
    const rim = get(abi.CCA_REALM_INITIAL_MEASUREMENT);
    expect(rim?.kind === 'bstr' && toHex(rim.value)).toBe(toHex(input.rim.subarray(0, 32)));
    const rak = get(abi.CCA_REALM_PUBLIC_KEY);
    expect(rak?.kind === 'bstr' && rak.value.length).toBe(107);
    const profile = get(abi.CCA_REALM_PROFILE);
    expect(profile?.kind === 'tstr' && profile.value).toBe('tag:arm.com,2023:realm#1.0.0');
  });

  it('binds: platform challenge = SHA-256 of the RAK COSE_Key bytes', () => {
    const report = attest.verifyCcaToken(token, { cpak });
    expect(toHex(report.platform!.challenge!)).toBe(toHex(sha256(attest.FVP_SAMPLE_RAK_COSE_KEY)));
    expect(toHex(report.platform!.challenge!)).toBe(
      '0d22e08a98469058486318283489bdb36f09dbefeb1864df433fa6e54ea2d711',
    );
    expect(toHex(attest.rakBindingChallenge(attest.FVP_SAMPLE_RAK))).toBe(
      toHex(report.platform!.challenge!),
    );
  });

  it('round-trips through the verifier with every check passing', () => {
    const report = attest.verifyCcaToken(token, {
      cpak,
      challenge: input.challenge,
      referenceValues: {
        rim: input.rim.subarray(0, 32),
        rems: input.rems.map((r) => r.subarray(0, 32)),
        rpv: input.rpv,
        swComponents: attest.LAB_PLATFORM_SW_COMPONENTS,
      },
    });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(report.platform?.lifecycle).toBe(0x3000);
    expect(report.platform?.profile).toBe('tag:arm.com,2023:cca_platform#1.0.0');
    expect(report.platform?.instanceId?.[0]).toBe(0x01);
  });

  it('is deterministic and the challenge is the only input that changes between two requests', () => {
    expect(toHex(attest.buildCcaToken(input))).toBe(toHex(token));
    const other = attest.buildCcaToken({ ...input, challenge: new Uint8Array(64).fill(9) });
    expect(toHex(other)).not.toBe(toHex(token));
    expect(toHex(parts(other).platformBstr.value)).toBe(toHex(parts(token).platformBstr.value));
  });

  it('initRmmAttestation: RAK from EL3, platform token fetched once for SHA-256(COSE_Key)', () => {
    const challenges: string[] = [];
    const ctx = attest.initRmmAttestation({
      getRealmAttestKey: attest.getRealmAttestKey,
      getPlatformToken: (c) => (challenges.push(toHex(c)), attest.getPlatformToken(c)),
    });
    expect(challenges).toEqual([toHex(sha256(attest.FVP_SAMPLE_RAK_COSE_KEY))]);
    expect(ctx.rakCoseKey.length).toBe(107);
    const t = attest.buildCcaToken({ ...input, rak: ctx.rak, platform: ctx.platformToken });
    expect(toHex(t)).toBe(toHex(token));
  });

  it('accepts the RAK as a 48-byte scalar from EL3 (RMM_ATTEST_GET_REALM_KEY)', () => {
    const viaScalar = attest.buildCcaToken({ ...input, rak: attest.getRealmAttestKey() });
    expect(toHex(viaScalar)).toBe(toHex(token));
  });

  it('rejects inputs the RMM cannot produce (emulator bug) with a RangeError', () => {
    expect(attest.ccaTokenInputProblem({ ...input, challenge: new Uint8Array(32) })).toContain(
      '64 bytes',
    );
    expect(() => attest.buildCcaToken({ ...input, rems: input.rems.slice(0, 3) })).toThrow(
      RangeError,
    );
  });

  it('a sha-512 realm carries 64-byte RIM and REMs', () => {
    const t = attest.buildCcaToken({ ...input, hashAlgo: 'sha-512' });
    const r = attest.verifyCcaToken(t, { cpak });
    expect(r.realm?.rim?.length).toBe(64);
    expect(r.realm?.hashAlgo).toBe('sha-512');
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });

  it('the RMM 1.1 wrapper (tag 907, D9 03 8B) holds the same tokens and verifies', () => {
    const p = parts(token);
    const t11 = attest.wrapCcaToken(p.platformBstr.value, p.realmBstr.value, '1.1');
    expect(toHex(t11.subarray(0, 3))).toBe('d9038b');
    const r = attest.verifyCcaToken(t11, { cpak });
    expect(r.form).toBe('1.1');
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
    // Paths are the same in both forms, and each names a node of the 1.1 tree.
    for (const c of r.checks)
      if (c.path) expect(attest.findNode(r.tree!, c.path), c.path).toBeDefined();
    expect(attest.findNode(r.tree!, 'realm/payload/44238')).toBeDefined();
    expect(attest.findNode(r.tree!, 'platform/0')?.summary).toBe('263');
  });
});

describe('independent cross-check with node:crypto (not noble)', () => {
  const key = createPublicKey({ key: { ...attest.TEST_CPAK_JWK, d: undefined }, format: 'jwk' });
  const rakKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-384',
      x: toBase64(attest.FVP_SAMPLE_RAK.point.subarray(1, 49))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, ''),
      y: toBase64(attest.FVP_SAMPLE_RAK.point.subarray(49))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, ''),
    },
    format: 'jwk',
  });

  it('the platform signature verifies with the CPAK as a KeyObject (ieee-p1363)', () => {
    const platform = cose(parts(token).platformBstr, token);
    const tbs = attest.sigStructure(platform.protectedBytes, platform.payload);
    expect(nodeVerify('sha384', tbs, { key, dsaEncoding: 'ieee-p1363' }, platform.signature)).toBe(
      true,
    );
    const tampered = tbs.slice();
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    expect(
      nodeVerify('sha384', tampered, { key, dsaEncoding: 'ieee-p1363' }, platform.signature),
    ).toBe(false);
  });

  it('the realm signature verifies with the RAK as a KeyObject', () => {
    const realm = cose(parts(token).realmBstr, token);
    const tbs = attest.sigStructure(realm.protectedBytes, realm.payload);
    expect(
      nodeVerify('sha384', tbs, { key: rakKey, dsaEncoding: 'ieee-p1363' }, realm.signature),
    ).toBe(true);
  });
});

describe('explanations and byte ranges', () => {
  it('a wrong RIM is explained with the first differing byte and the claim bytes', () => {
    const rim = input.rim.slice(0, 32);
    rim[5] = rim[5]! ^ 0xff;
    const r = attest.verifyCcaToken(token, { cpak, referenceValues: { rim } });
    const check = r.checks.find((c) => c.id === 'rim')!;
    expect(check.status).toBe('fail');
    expect(check.reason).toContain('byte 5');
    expect(check.claim).toEqual({ name: 'cca-realm-initial-measurement', key: 44238 });
    const [start, end] = check.range!;
    // The range covers key 44238 (19 AC CE) and the 32-byte value (58 20 ...).
    expect(toHex(token.subarray(start, start + 5))).toBe('19acce5820');
    expect(end - start).toBe(3 + 2 + 32);
  });

  it('a stale challenge fails freshness', () => {
    const r = attest.verifyCcaToken(token, { cpak, challenge: new Uint8Array(64) });
    expect(r.checks.find((c) => c.id === 'freshness')).toMatchObject({ status: 'fail' });
  });

  it('an unknown firmware component is named', () => {
    const refs = attest.LAB_PLATFORM_SW_COMPONENTS.filter((c) => c.type !== 'RMM');
    const r = attest.verifyCcaToken(token, { cpak, referenceValues: { swComponents: refs } });
    const check = r.checks.find((c) => c.id === 'sw-components')!;
    expect(check.status).toBe('fail');
    expect(check.reason).toContain('"RMM"');
    expect(check.path).toBe('platform/payload/2399/6');
  });

  it('tree paths are unique (the UI keys nodes by path), in both collection forms', () => {
    const p = parts(token);
    for (const t of [token, attest.wrapCcaToken(p.platformBstr.value, p.realmBstr.value, '1.1')]) {
      const paths: string[] = [];
      const visit = (n: attest.TokenNode): void => {
        paths.push(n.path);
        n.children.forEach(visit);
      };
      visit(attest.inspectToken(t)!);
      expect(new Set(paths).size).toBe(paths.length);
      expect(paths.length).toBeGreaterThan(40);
    }
  });

  it('every check range lies inside the token and every check path names a tree node', () => {
    const r = attest.verifyCcaToken(token, { cpak, challenge: input.challenge });
    for (const c of r.checks) {
      if (c.range)
        expect(
          c.range[0] >= 0 && c.range[0] < c.range[1] && c.range[1] <= token.length,
          c.title,
        ).toBe(true);
      if (c.path) expect(attest.findNode(r.tree!, c.path), c.path).toBeDefined();
    }
  });

  it('nodePathAt maps a byte of the RIM to the realm claim, and the node maps back to its bytes', () => {
    const r = attest.verifyCcaToken(token, { cpak });
    const rimCheck = r.checks.find((c) => c.title.startsWith('cca-realm-initial-measurement'))!;
    const chain = attest.nodePathAt(r.tree!, rimCheck.range![0] + 10);
    const deepest = chain[chain.length - 1]!;
    expect(deepest.path).toBe('realm/payload/44238');
    expect(deepest.label).toBe('cca-realm-initial-measurement (44238)');
    expect(deepest.range).toEqual(rimCheck.range);
    expect(chain.map((n) => n.path)).toEqual([
      'token',
      'realm',
      'realm/payload',
      'realm/payload/44238',
    ]);
    // The RAK's x coordinate inside the bstr-wrapped COSE_Key is reachable too.
    const x = attest.findNode(r.tree!, 'realm/payload/44237/-2')!;
    expect(toHex(token.subarray(x.valueRange[0] + 2, x.valueRange[1]))).toBe(
      toHex(attest.FVP_SAMPLE_RAK.point.subarray(1, 49)),
    );
  });

  it('formatReport prints one line per check with ✓/✗/– and a verdict', () => {
    const r = attest.verifyCcaToken(token, { cpak });
    const text = attest.formatReport(r);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(r.checks.length + 1);
    expect(lines[0]).toMatch(/^✓ token structure: /);
    expect(text).toContain('– challenge freshness');
    expect(lines.at(-1)).toContain('skipped');
  });
});
