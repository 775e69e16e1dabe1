// A token requested from inside a realm (RSI_ATTESTATION_TOKEN_INIT / CONTINUE through the
// guest model and the VMM) verifies: every check of the explaining verifier passes with the
// realm's RIM/REMs/RPV as reference values, and an independent implementation (node:crypto,
// hand-built Sig_structure) checks both signatures and the RAK binding (cca-spec.md §6.4).
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { runCli } from '../../src/cli/main.ts';
import { GUEST_MODEL, attest, createMachine, hostRealm } from '../../src/emulator/index.ts';
import { createHostShell, createRealmShell } from '../../src/shell/index.ts';

const CHALLENGE = '5a'.repeat(64);

/** COSE Sig_structure for COSE_Sign1, built by hand: ["Signature1", protected, h'', payload]. */
function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Buffer {
  const bstr = (b: Uint8Array): Buffer => {
    const n = b.length;
    const head = n < 24 ? [0x40 | n] : n < 256 ? [0x58, n] : [0x59, n >> 8, n & 0xff];
    return Buffer.concat([Buffer.from(head), Buffer.from(b)]);
  };
  return Buffer.concat([
    Buffer.from([0x84, 0x6a]),
    Buffer.from('Signature1'),
    bstr(protectedBytes),
    Buffer.from([0x40]),
    bstr(payload),
  ]);
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Checks both signatures and the binding with node:crypto; returns what it verified. */
function independentCheck(token: Uint8Array): {
  platform: boolean;
  realm: boolean;
  binding: boolean;
} {
  const parts = attest.decodeCcaWrapper(token);
  if (!parts.ok) throw new Error(parts.error);
  const sign1 = (holder: attest.CborItem): attest.CoseSign1 => {
    if (holder.kind !== 'bstr') throw new Error('not a bstr');
    const walked = attest.walkCbor(token, holder.headerEnd, holder.end);
    if (!walked.ok) throw new Error(walked.error);
    const parsed = attest.parseCoseSign1(walked.item);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.sign1;
  };
  const platform = sign1(parts.parts.platformBstr);
  const realm = sign1(parts.parts.realmBstr);
  const cpak = createPublicKey({ key: { ...attest.TEST_CPAK_JWK, d: undefined }, format: 'jwk' });
  const report = attest.verifyCcaToken(token);
  const rakPoint = report.rak!.point;
  const rak = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-384',
      x: b64url(rakPoint.subarray(1, 49)),
      y: b64url(rakPoint.subarray(49)),
    },
    format: 'jwk',
  });
  const ok = (s: attest.CoseSign1, key: ReturnType<typeof createPublicKey>): boolean =>
    nodeVerify(
      'sha384',
      sigStructure(s.protectedBytes, s.payload),
      { key, dsaEncoding: 'ieee-p1363' },
      s.signature,
    );
  const rakClaim = report.realm!.publicKey!;
  const binding =
    createHash('sha256').update(rakClaim).digest('hex') === toHex(report.platform!.challenge!);
  return { platform: ok(platform, cpak), realm: ok(realm, rak), binding };
}

describe('attestation from inside a realm', () => {
  const m = createMachine({ guest: GUEST_MODEL });
  const host = createHostShell(m);
  host.execute('realm create r1 --image attester');
  const realmShell = createRealmShell(m, 'r1');
  const lines = realmShell.execute(`attest ${CHALLENGE}`);
  const token = fromHex(m.state.host?.lastToken ?? '')!;
  const rmm = m.state.rmm.realms['0x' + hostRealm(m, 'r1')!.rd.toString(16)]!;

  it('the realm shell reports the token and keeps it as "last"', () => {
    expect(lines.some((l) => /CCA token of \d+ bytes/.test(l.text))).toBe(true);
    expect(token.length).toBeGreaterThan(1000);
  });

  it('every verifier check passes with the realm’s RIM, REMs and RPV as reference values', () => {
    const report = attest.verifyCcaToken(token, {
      cpak: attest.TEST_CPAK_PUBLIC,
      challenge: fromHex(CHALLENGE)!,
      referenceValues: {
        rim: fromHex(rmm.rim)!.subarray(0, 32),
        rems: rmm.rems.map((r) => fromHex(r)!.subarray(0, 32)),
        rpv: fromHex(rmm.rpv)!,
        swComponents: attest.LAB_PLATFORM_SW_COMPONENTS.map((c) => ({
          measurement: c.measurement,
          signerId: c.signerId,
          type: c.type,
        })),
      },
    });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.verdict).toBe('pass');
    // The attester app extended REM0 at boot: the token carries it.
    expect(toHex(report.realm!.rems![0]!)).not.toBe('0'.repeat(64));
  });

  it('node:crypto verifies both signatures and the RAK binding', () => {
    expect(independentCheck(token)).toEqual({ platform: true, realm: true, binding: true });
  });

  it('host "attest verify last" passes, and a flipped byte fails a named check', () => {
    const good = host.execute(`attest verify last --challenge ${CHALLENGE}`);
    expect(good.at(-1)?.text).toMatch(/^Verdict: verified/);
    const bad = host.execute(`attest verify last --challenge ${CHALLENGE} --flip 1520`);
    expect(bad.some((l) => l.text.startsWith('✗') && /signature/.test(l.text))).toBe(true);
    expect(bad.at(-1)?.text).toMatch(/^Verdict: rejected: \d+ failed/);
  });
});

describe('mica-lab attest', () => {
  it('writes a token that node:crypto and the verifier accept, with the challenge given', async () => {
    const files = new Map<string, Uint8Array>();
    const out: string[] = [];
    const code = await runCli(['attest', '--challenge', 'c0ffee', '--out', 'token.cbor'], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      readFile: async (p) => files.get(p)!,
      writeFile: async (p, d) => {
        files.set(p, typeof d === 'string' ? Buffer.from(d) : d);
      },
    });
    expect(code, out.join('')).toBe(0);
    const token = files.get('token.cbor')!;
    expect(independentCheck(token)).toEqual({ platform: true, realm: true, binding: true });
    const challenge = new Uint8Array(64);
    challenge.set([0xc0, 0xff, 0xee]);
    const report = attest.verifyCcaToken(token, { cpak: attest.TEST_CPAK_PUBLIC, challenge });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const verified = await runCli(['verify', 'token.cbor', '--challenge', toHex(challenge)], {
      stdout: () => {},
      stderr: () => {},
      readFile: async (p) => files.get(p)!,
      writeFile: async () => {},
    });
    expect(verified).toBe(0);
  });

  it('refuses a challenge longer than 64 bytes (exit 2)', async () => {
    const err: string[] = [];
    const code = await runCli(['attest', '--challenge', 'aa'.repeat(65), '--out', 'x'], {
      stdout: () => {},
      stderr: (t) => err.push(t),
      readFile: async () => new Uint8Array(),
      writeFile: async () => {},
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/1\.\.64 bytes/);
  });
});
