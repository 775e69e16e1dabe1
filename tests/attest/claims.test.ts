// Claim rules of the verifier (cca-spec.md §6.2-6.4): tokens that are correctly signed but
// carry one wrong claim fail exactly the check for that claim, with a plain-word reason.
import { describe, expect, it } from 'vitest';
import { attest } from '../../src/emulator/index.ts';
import { labInput } from './helpers.ts';

const input = labInput();
const cpak = attest.TEST_CPAK_PUBLIC;
const rak = attest.FVP_SAMPLE_RAK;
const platform = attest.getPlatformToken(attest.rakBindingChallenge(rak));

/** The realm claims map of a lab token, as a Map the test may edit before signing. */
function realmClaims(): Map<number, unknown> {
  const bytes = attest.encodeRealmClaims({ ...input, rakPublicKey: attest.encodeCoseKey(rak) });
  const decoded = attest.decodeCbor(bytes);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value as Map<number, unknown>;
}

function tokenWith(
  edit: (claims: Map<number, unknown>) => void,
  platformToken = platform,
): Uint8Array {
  const claims = realmClaims();
  edit(claims);
  // Copy byte strings: cbor-x decodes them as Node Buffers, which must encode as bstr too.
  for (const [k, v] of claims) if (v instanceof Uint8Array) claims.set(k, Uint8Array.from(v));
  return attest.wrapCcaToken(platformToken, attest.signCoseSign1(attest.encodeCbor(claims), rak));
}

function platformWith(edit: (c: attest.PlatformClaims) => attest.PlatformClaims): Uint8Array {
  const claims = attest.labPlatformClaims(attest.rakBindingChallenge(rak));
  return attest.buildPlatformToken(edit(claims), attest.TEST_CPAK);
}

const failures = (token: Uint8Array) =>
  attest
    .verifyCcaToken(token, { cpak })
    .checks.filter((c) => c.status === 'fail')
    .map((c) => ({ id: c.id, title: c.title, reason: c.reason }));

describe('realm claims', () => {
  it('the unedited claims verify (control)', () => {
    expect(failures(tokenWith(() => {}))).toEqual([]);
  });

  it('cca-realm-challenge must be exactly 64 bytes', () => {
    const f = failures(tokenWith((c) => c.set(10, new Uint8Array(32))));
    expect(f).toEqual([
      {
        id: 'realm-claim',
        title: 'cca-realm-challenge (10)',
        reason: expect.stringContaining('exactly 64 bytes'),
      },
    ]);
  });

  it('a missing mandatory claim (RPV) is named', () => {
    const f = failures(tokenWith((c) => c.delete(44235)));
    expect(f).toEqual([
      {
        id: 'realm-claim',
        title: 'cca-realm-personalization-value (44235)',
        reason: expect.stringContaining('missing'),
      },
    ]);
  });

  it('a repeated claim key fails that claim, and the inspector keeps node paths unique', () => {
    const claims = attest.encodeCbor(realmClaims());
    // Rename claim 44235 (19 AC CB) to 44238 (19 AC CE): the map now holds 44238 twice.
    const at = claims.findIndex(
      (_, i) => claims[i] === 0x19 && claims[i + 1] === 0xac && claims[i + 2] === 0xcb,
    );
    claims[at + 2] = 0xce;
    const token = attest.wrapCcaToken(platform, attest.signCoseSign1(claims, rak));
    const f = failures(token);
    expect(f).toContainEqual({
      id: 'realm-claim',
      title: 'cca-realm-initial-measurement (44238)',
      reason: expect.stringContaining('appears 2 times'),
    });
    const tree = attest.inspectToken(token)!;
    expect(attest.findNode(tree, 'realm/payload/44238#2')).toBeDefined();
  });

  it('REMs must be exactly 4', () => {
    const f = failures(tokenWith((c) => c.set(44239, (c.get(44239) as unknown[]).slice(0, 3))));
    expect(f.map((x) => x.title)).toEqual(['cca-realm-extensible-measurements (44239)']);
  });

  it('an unknown hash algorithm is refused', () => {
    const f = failures(tokenWith((c) => c.set(44236, 'md5')));
    expect(f.map((x) => x.title)).toEqual(['cca-realm-hash-algo-id (44236)']);
  });

  it('a COSE_Key RAK without a realm profile is explained (pre-rel0 verifiers read a raw point)', () => {
    const f = failures(tokenWith((c) => c.delete(265)));
    const rakCheck = f.find((x) => x.id === 'rak');
    expect(rakCheck?.reason).toContain('It is a COSE_Key, the 1.0-rel0 format');
    // Without a RAK the realm signature is skipped, not failed.
    const r = attest.verifyCcaToken(
      tokenWith((c) => c.delete(265)),
      { cpak },
    );
    expect(r.checks.find((c) => c.id === 'realm-signature')?.status).toBe('skip');
  });

  it('a raw-point RAK with the 1.0 profile is explained the other way round', () => {
    const f = failures(tokenWith((c) => c.set(44237, rak.point)));
    expect(f.find((x) => x.id === 'rak')?.reason).toContain('It is a raw SEC1 point');
    // The binding also fails: the platform vouched for SHA-256 of the COSE_Key, not the point.
    expect(f.map((x) => x.id)).toContain('binding');
  });

  it('the RMM 1.1 realm profile is reported as not 1.0', () => {
    const f = failures(tokenWith((c) => c.set(265, 'tag:arm.com,2024:realm#2.0.0')));
    expect(f).toEqual([
      {
        id: 'profile',
        title: 'profiles and version',
        reason: expect.stringContaining("RMM 1.1's"),
      },
    ]);
  });

  it('a realm token signed by another key fails only the realm signature', () => {
    const other = attest.privateKeyFromScalar(new Uint8Array(48).fill(5), 'P-384');
    const claims = attest.encodeCbor(
      realmClaims().set(44237, Uint8Array.from(attest.encodeCoseKey(rak))),
    );
    const token = attest.wrapCcaToken(platform, attest.signCoseSign1(claims, other));
    expect(failures(token).map((x) => x.id)).toEqual(['realm-signature']);
  });
});

describe('platform claims', () => {
  it('a debug lifecycle state is not trusted', () => {
    const f = failures(
      tokenWith(
        () => {},
        platformWith((c) => ({ ...c, lifecycle: 0x5000 })),
      ),
    );
    expect(f).toEqual([
      {
        id: 'platform-claim',
        title: 'cca-platform-lifecycle (2395)',
        reason: expect.stringContaining('recoverable-cca-platform-rot-debug'),
      },
    ]);
  });

  it('the instance id must be a 33-byte UEID starting 0x01', () => {
    const bad = new Uint8Array(33).fill(2);
    const f = failures(
      tokenWith(
        () => {},
        platformWith((c) => ({ ...c, instanceId: bad })),
      ),
    );
    expect(f.map((x) => x.title)).toEqual(['cca-platform-instance-id (256)']);
  });

  it('a sw component without a signer id is refused', () => {
    const f = failures(
      tokenWith(
        () => {},
        platformWith((c) => ({
          ...c,
          swComponents: [
            { measurement: new Uint8Array(32), signerId: undefined as unknown as Uint8Array },
          ],
        })),
      ),
    );
    expect(f).toEqual([
      {
        id: 'platform-claim',
        title: 'cca-platform-sw-components (2399)',
        reason: expect.stringContaining('signer-id'),
      },
    ]);
  });

  it('a platform token for another challenge fails the binding', () => {
    const f = failures(
      tokenWith(
        () => {},
        platformWith((c) => ({ ...c, challenge: new Uint8Array(32).fill(7) })),
      ),
    );
    expect(f.map((x) => x.id)).toEqual(['binding']);
  });

  it('a platform token signed by a key other than the trust anchor fails the platform signature', () => {
    const other = attest.privateKeyFromScalar(new Uint8Array(48).fill(9), 'P-384');
    const p = attest.buildPlatformToken(
      attest.labPlatformClaims(attest.rakBindingChallenge(rak)),
      other,
    );
    expect(failures(tokenWith(() => {}, p)).map((x) => x.id)).toEqual(['platform-signature']);
  });
});
