// COSE for the token (cca-spec.md §6.2, §6.4; RFC 9052): the FVP sample RAK and its COSE_Key,
// ES384/ES256 COSE_Sign1 over the original bytes, JWK import of the public test keys.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/lib/bytes.ts';
import { attest } from '../../src/emulator/index.ts';
import { jwkKey } from './helpers.ts';

describe('FVP sample RAK (PUBLIC TEST KEY, TF-A fvp_realm_attest_key.c)', () => {
  it('has the published public point 0476f988091be585...', () => {
    expect(toHex(attest.FVP_SAMPLE_RAK.point).slice(0, 16)).toBe('0476f988091be585');
  });

  it('encodes as the 107-byte COSE_Key A4 01 02 20 02 21 58 30 <x> 22 58 30 <y>', () => {
    const key = attest.FVP_SAMPLE_RAK_COSE_KEY;
    expect(key.length).toBe(107);
    expect(toHex(key.subarray(0, 8))).toBe('a401022002215830');
    expect(toHex(key.subarray(56, 59))).toBe('225830');
    expect(toHex(key.subarray(8, 56))).toBe(toHex(attest.FVP_SAMPLE_RAK.point.subarray(1, 49)));
  });

  it('SHA-256 of its COSE_Key is 0d22e08a...d711, the challenge of TF-A sample platform token', () => {
    expect(toHex(sha256(attest.FVP_SAMPLE_RAK_COSE_KEY))).toBe(
      '0d22e08a98469058486318283489bdb36f09dbefeb1864df433fa6e54ea2d711',
    );
  });

  it('decodeCoseKey reads the encoding back', () => {
    const r = attest.decodeCoseKey(attest.FVP_SAMPLE_RAK_COSE_KEY);
    expect(r.ok && toHex(r.key.point)).toBe(toHex(attest.FVP_SAMPLE_RAK.point));
  });

  it('decodeCoseKey rejects a wrong kty, an unsupported curve and a point off the curve', () => {
    const key = attest.FVP_SAMPLE_RAK_COSE_KEY.slice();
    key[2] = 0x01; // kty OKP
    expect(attest.decodeCoseKey(key)).toMatchObject({
      ok: false,
      error: expect.stringContaining('kty'),
    });
    const p521 = attest.FVP_SAMPLE_RAK_COSE_KEY.slice();
    p521[4] = 0x03;
    expect(attest.decodeCoseKey(p521)).toMatchObject({
      ok: false,
      error: expect.stringContaining('P-521'),
    });
    const off = attest.FVP_SAMPLE_RAK_COSE_KEY.slice();
    off[106] = off[106]! ^ 1;
    expect(attest.decodeCoseKey(off)).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a point'),
    });
  });
});

describe('JWK import', () => {
  it('imports the CPAK public JWK (rust-ccatoken cpak.json) and the Veraison trust anchor shape', () => {
    expect(jwkKey('cpak.json').crv).toBe('P-384');
    expect(jwkKey('ta-02-ok.json').crv).toBe('P-256');
    expect(toHex(jwkKey('cpak.json').point)).toBe(toHex(attest.TEST_CPAK_PUBLIC.point));
  });

  it('imports the private CPAK JWK (testRMMCPAK) and checks d against x, y', () => {
    const text = readFileSync(
      new URL('../vectors/tokens/cpak-private.jwk.json', import.meta.url),
      'utf8',
    );
    const r = attest.importJwk(text);
    expect(r.ok && r.privateKey && toHex(r.privateKey.d)).toBe(toHex(attest.TEST_CPAK.d));
    const wrong = { ...JSON.parse(text), d: attest.TEST_CPAK_JWK.d.replace('i', 'j') };
    expect(attest.importJwk(wrong)).toMatchObject({
      ok: false,
      error: expect.stringContaining('does not match'),
    });
  });

  it('the keys.ts CPAK matches the tf-m-tools PEM private key bytes', () => {
    const pem = readFileSync(
      new URL('../vectors/tokens/cca_platform.pem', import.meta.url),
      'utf8',
    );
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // SEC1 ECPrivateKey: 30 81 a4 02 01 01 04 30 <48-byte d>
    expect(toHex(der.subarray(8, 56))).toBe(toHex(attest.TEST_CPAK.d));
  });

  it('a key file that is not a usable JWK says which field is wrong and how', () => {
    const error = (jwk: unknown) => {
      const r = attest.importJwk(jwk);
      return r.ok ? 'accepted' : r.error;
    };
    expect(error({ name: 'x' })).toBe('JWK kty must be "EC"; found none');
    expect(error({ kty: 'EC' })).toBe('JWK crv must be "P-256" or "P-384"; found none');
    const { x, y } = attest.TEST_CPAK_JWK;
    expect(error({ kty: 'EC', crv: 'P-384', y })).toBe(
      'JWK x is missing; P-384 needs base64url of 48 bytes',
    );
    expect(error({ kty: 'EC', crv: 'P-384', x, y: y.slice(0, 43) })).toBe(
      'JWK y is 32 bytes; P-384 needs base64url of 48 bytes',
    );
    expect(error('{\n  "kty": "EC",\n  "crv": "P-384"\n  "x": ""\n}')).toMatch(
      /^the key file is not JSON: line 4, column 3: /,
    );
  });

  it('rejects the deliberately off-curve Veraison anchor shape and non-EC keys', () => {
    expect(attest.importJwk({ kty: 'RSA' })).toMatchObject({ ok: false });
    expect(attest.importJwk('{')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the key file is not JSON: line 1, column 2: /),
    });
    const bad = {
      kty: 'EC',
      crv: 'P-256',
      x: 'TKRFE_RwSXooI8DdatPOYg_uiKm2XrtT_uEMEvqQZrw',
      y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM',
    };
    expect(attest.importJwk(bad)).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a point'),
    });
  });
});

describe('COSE_Sign1', () => {
  const payload = attest.encodeCbor(new Map([[10, new Uint8Array(64)]]));

  it('ES384: protected header A1 01 38 22, tag 18 (D2), 96-byte signature, verifies', () => {
    const token = attest.signCoseSign1(payload, attest.FVP_SAMPLE_RAK);
    expect(toHex(token.subarray(0, 7))).toBe('d28444a1013822');
    const walked = attest.walkCbor(token);
    const parsed = walked.ok ? attest.parseCoseSign1(walked.item) : undefined;
    expect(parsed?.ok).toBe(true);
    if (!parsed?.ok) return;
    expect(parsed.sign1.signature.length).toBe(96);
    expect(attest.verifyCoseSign1(parsed.sign1, attest.FVP_SAMPLE_RAK)).toEqual({ ok: true });
    expect(attest.verifyCoseSign1(parsed.sign1, attest.TEST_CPAK_PUBLIC).ok).toBe(false);
  });

  it('ES256 with a P-256 key: protected header A1 01 26, 64-byte signature', () => {
    const key = attest.privateKeyFromScalar(new Uint8Array(32).fill(7), 'P-256');
    const token = attest.signCoseSign1(payload, key);
    expect(toHex(token.subarray(0, 6))).toBe('d28443a10126');
    const walked = attest.walkCbor(token);
    const parsed = walked.ok ? attest.parseCoseSign1(walked.item) : undefined;
    expect(parsed?.ok && attest.verifyCoseSign1(parsed.sign1, key)).toEqual({ ok: true });
    expect(parsed?.ok && attest.verifyCoseSign1(parsed.sign1, attest.FVP_SAMPLE_RAK)).toMatchObject(
      {
        ok: false,
        error: expect.stringContaining('the key is P-384'),
      },
    );
  });

  it('Sig_structure is ["Signature1", protected, h\'\', payload] over the original bytes', () => {
    const s = attest.sigStructure(Uint8Array.of(0xa1, 0x01, 0x38, 0x22), Uint8Array.of(0xa0));
    expect(toHex(s)).toBe('846a5369676e61747572653144a10138224041a0');
  });

  it('a changed payload byte makes the signature fail', () => {
    const token = attest.signCoseSign1(payload, attest.FVP_SAMPLE_RAK);
    token[20] = token[20]! ^ 0x01;
    const walked = attest.walkCbor(token);
    const parsed = walked.ok ? attest.parseCoseSign1(walked.item) : undefined;
    expect(parsed?.ok && attest.verifyCoseSign1(parsed.sign1, attest.FVP_SAMPLE_RAK).ok).toBe(
      false,
    );
  });
});
