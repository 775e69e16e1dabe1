// Published sample tokens (cca-spec.md §6.5, tests/vectors/tokens/SOURCE.md): each decodes and
// verifies, or is rejected for the reason the §6.5 table gives.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/lib/bytes.ts';
import { attest } from '../../src/emulator/index.ts';
import { jwkKey, labInput, vector } from './helpers.ts';

const failed = (r: attest.VerifierReport): string[] =>
  r.checks.filter((c) => c.status === 'fail').map((c) => c.id);
const status = (r: attest.VerifierReport, id: attest.CheckId): attest.CheckStatus[] =>
  r.checks.filter((c) => c.id === id).map((c) => c.status);

describe('sample tokens that verify', () => {
  it.each([
    ['cca-token-draft-ffm-00.cbor', 'cpak.json', '1.0', 'COSE_Key'],
    ['cca-token-01.cbor', 'cpak.json', '1.0', 'raw'],
    ['cca-token-02.cbor', 'ta-02-ok.json', '1.0', 'raw'],
    ['veraison-good-cca-token-907.cbor', 'ta-02-ok.json', '1.1', 'COSE_Key'],
    ['veraison-good-legacy-cca-token-399.cbor', 'ta-02-ok.json', '1.0', 'COSE_Key'],
    ['veraison-rmm-legacy-evidence-907.cbor', 'cpak.json', '1.1', 'raw'],
  ])('%s verifies with %s (form %s, %s RAK)', (file, anchor, form, rakForm) => {
    const r = attest.verifyCcaToken(vector(file), { cpak: jwkKey(anchor) });
    expect(failed(r)).toEqual([]);
    expect(r.form).toBe(form);
    for (const id of [
      'wrapper',
      'platform-cose',
      'platform-signature',
      'realm-cose',
      'rak',
      'realm-signature',
      'binding',
      'profile',
    ] as const) {
      expect(status(r, id), id).toEqual(['pass']);
    }
    expect(r.checks.find((c) => c.id === 'rak')?.reason).toContain(
      rakForm === 'raw' ? 'raw 97-byte' : 'COSE_Key',
    );
    // Without appraisal inputs the verdict is "incomplete", not "pass".
    expect(r.verdict).toBe('incomplete');
  });

  it('cca-token-02 binds with sha-512 (64-byte platform challenge)', () => {
    const r = attest.verifyCcaToken(vector('cca-token-02.cbor'), { cpak: jwkKey('ta-02-ok.json') });
    expect(r.realm?.publicKeyHashAlgo).toBe('sha-512');
    expect(r.platform?.challenge?.length).toBe(64);
  });

  it('the FVP token verifies completely when the nonce and reference values are given', () => {
    const first = attest.verifyCcaToken(vector('cca-token-draft-ffm-00.cbor'));
    const realm = first.realm!;
    const r = attest.verifyCcaToken(vector('cca-token-draft-ffm-00.cbor'), {
      cpak: jwkKey('cpak.json'),
      challenge: realm.challenge!,
      referenceValues: {
        rim: realm.rim!,
        rems: realm.rems!,
        rpv: realm.rpv!,
        swComponents: first.platform!.swComponents!.map((c) => ({
          measurement: c.measurement!,
          signerId: c.signerId!,
        })),
      },
    });
    expect(r.verdict).toBe('pass');
  });
});

describe('sample tokens that are rejected', () => {
  it('bug-33-repro: both signatures fine, binding wrong (static platform nonce 0706...)', () => {
    const r = attest.verifyCcaToken(vector('bug-33-repro.cbor'), { cpak: jwkKey('cpak.json') });
    expect(r.verdict).toBe('fail');
    expect(failed(r)).toEqual(['binding']);
    expect(status(r, 'platform-signature')).toEqual(['pass']);
    expect(status(r, 'realm-signature')).toEqual(['pass']);
    const binding = r.checks.find((c) => c.id === 'binding')!;
    expect(binding.reason).toContain('07060504');
    expect(binding.claim).toEqual({ name: 'cca-platform-challenge', key: 10 });
    expect(binding.path).toBe('platform/payload/10');
  });

  it('tag 907 with bare COSE_Sign1 entries (testBadUnwrappedTokens): wrapper shape', () => {
    const r = attest.verifyCcaToken(vector('veraison-bad-unwrapped-907.cbor'));
    expect(failed(r)).toEqual(['wrapper']);
    expect(r.checks[0]!.reason).toContain('[263, bstr]');
  });

  it('a sample checked against the wrong trust anchor fails the platform signature only', () => {
    const r = attest.verifyCcaToken(vector('cca-token-01.cbor'), { cpak: jwkKey('ta-02-ok.json') });
    expect(failed(r)).toEqual(['platform-signature']);
  });

  it('an unknown collection tag is an explained finding', () => {
    const token = vector('cca-token-01.cbor');
    token[2] = 0x90; // tag 400
    const r = attest.verifyCcaToken(token);
    expect(failed(r)).toEqual(['wrapper']);
    expect(r.checks[0]!.reason).toMatch(/collection tag 400 is unknown.*399.*907/);
    expect(r.checks[0]!.range).toEqual([0, 3]);
  });
});

describe('TF-A FVP sample platform token (fvp_plat_attest_token.c)', () => {
  const platform = vector('tfa-fvp-platform-token.cbor');

  it('is signed by the CPAK and challenges SHA-256 of the FVP RAK COSE_Key', () => {
    const walked = attest.walkCbor(platform);
    const parsed = walked.ok ? attest.parseCoseSign1(walked.item) : undefined;
    expect(parsed?.ok && attest.verifyCoseSign1(parsed.sign1, jwkKey('cpak.json'))).toEqual({
      ok: true,
    });
    expect(toHex(platform)).toContain(toHex(sha256(attest.FVP_SAMPLE_RAK_COSE_KEY)));
  });

  it('embedded unchanged by buildCcaToken with the FVP RAK, the token binds and verifies', () => {
    const token = attest.buildCcaToken({ ...labInput(), platform });
    const r = attest.verifyCcaToken(token, {
      cpak: jwkKey('cpak.json'),
      challenge: labInput().challenge,
    });
    expect(failed(r)).toEqual([]);
    expect(status(r, 'binding')).toEqual(['pass']);
  });

  it('embedded with a different RAK, the binding fails (the bug-33 situation)', () => {
    const rak = attest.privateKeyFromScalar(new Uint8Array(48).fill(3), 'P-384');
    const r = attest.verifyCcaToken(attest.buildCcaToken({ ...labInput(), rak, platform }), {
      cpak: jwkKey('cpak.json'),
    });
    expect(failed(r)).toEqual(['binding']);
  });
});

describe('agreement with a published FVP token (cca-token-draft-ffm-00)', () => {
  const token = vector('cca-token-draft-ffm-00.cbor');
  const wrapper = attest.decodeCcaWrapper(token);
  if (!wrapper.ok) throw new Error(wrapper.error);
  const { platformBstr, realmBstr } = wrapper.parts;

  /** Each claim of an encoded claims map as the hex of its key and value bytes. */
  function entries(payload: Uint8Array): string[] {
    const walked = attest.walkCbor(payload);
    if (!walked.ok || walked.item.kind !== 'map') throw new Error('not a map');
    return walked.item.entries.map((e) => toHex(payload.subarray(e.key.start, e.value.end)));
  }

  it('encodeRealmClaims re-encodes every claim to the same bytes (only the map order differs)', () => {
    const r = attest.verifyCcaToken(token, { cpak: jwkKey('cpak.json') });
    const realm = r.realm!;
    const ours = attest.encodeRealmClaims({
      challenge: realm.challenge!,
      rpv: realm.rpv!,
      rim: realm.rim!,
      rems: realm.rems!,
      hashAlgo: realm.hashAlgo as attest.RealmHashAlgo,
      rakPublicKey: realm.publicKey!,
      rakHashAlgo: realm.publicKeyHashAlgo as attest.HashAlgoName,
      profile: realm.profile!,
    });
    const walked = attest.walkCbor(realmBstr.value);
    const parsed = walked.ok ? attest.parseCoseSign1(walked.item) : undefined;
    if (!parsed?.ok) throw new Error('realm COSE_Sign1');
    const theirs = entries(parsed.sign1.payload);
    // The draft's example starts with the profile (265); TF-RMM (attestation_token.c) and
    // this lab write 10, 44235, 44237, 44236, 44240, 265, 44238, 44239. Maps are unordered.
    expect(theirs[0]!.startsWith('190109')).toBe(true);
    expect([...entries(ours)].sort()).toEqual([...theirs].sort());
    expect(toHex(realm.publicKey!)).toBe(toHex(attest.FVP_SAMPLE_RAK_COSE_KEY));
  });

  it('its platform token is TF-A sample platform token, embedded unchanged', () => {
    expect(toHex(platformBstr.value)).toBe(toHex(vector('tfa-fvp-platform-token.cbor')));
  });
});

describe('bare claim sets (rust-ccatoken testdata/*-claims*.cbor)', () => {
  it('realm-claims.cbor: every realm claim rule passes', () => {
    const r = attest.checkClaimSet(vector('realm-claims.cbor'), 'realm');
    expect(r.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(r.checks.length).toBe(7); // no profile claim (optional): a pre-rel0 claim set
  });

  it('realm-claims-missing-challenge.cbor: the challenge is reported missing', () => {
    const r = attest.checkClaimSet(vector('realm-claims-missing-challenge.cbor'), 'realm');
    expect(r.verdict).toBe('fail');
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([
      expect.objectContaining({
        title: 'cca-realm-challenge (10)',
        reason: expect.stringContaining('missing'),
      }),
    ]);
  });

  it.each(['realm-claims+spurious-numeric-key.cbor', 'realm-claims+spurious-text-key.cbor'])(
    '%s: unknown keys are ignored by the claim rules',
    (file) => {
      const r = attest.checkClaimSet(vector(file), 'realm');
      expect(r.verdict).toBe('pass');
      expect(r.checks.length).toBe(7);
    },
  );

  it('platform-claims.cbor: every platform claim rule passes', () => {
    const r = attest.checkClaimSet(vector('platform-claims.cbor'), 'platform');
    expect(r.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect((r.claims as attest.DecodedPlatformClaims).swComponents?.length).toBe(2);
  });

  it('a non-map is refused with its offset', () => {
    const r = attest.checkClaimSet(Uint8Array.of(0x82, 0x01), 'realm');
    expect(r.checks[0]).toMatchObject({ status: 'fail', range: [0, 1] });
  });
});
