// The realm shell (src/shell/realm): each command runs guest operations inside the realm
// through the host's VMM and prints what the realm saw, with the host's exits dimmed.
import { describe, expect, it } from 'vitest';
import { GUEST_MODEL, createMachine, hostRealm, type OutputLineLike } from './shell-helpers.ts';
import { createHostShell, createRealmShell } from '../../src/shell/index.ts';

function text(lines: readonly OutputLineLike[]): string {
  return lines.map((l) => l.text).join('\n');
}

describe('realm shell', () => {
  const m = createMachine({ guest: GUEST_MODEL });
  const host = createHostShell(m);
  host.execute('realm create r1 --recs 2');
  host.execute('realm create r2 --net');
  const r1 = createRealmShell(m, 'r1');
  const r2 = createRealmShell(m, 'r2');

  it('has a prompt per realm and a generated help', () => {
    expect(r1.prompt).toBe('r1# ');
    const help = text(r1.execute('help'));
    for (const name of [
      'mem',
      'measure',
      'attest',
      'ipa-state',
      'hostcall',
      'config',
      'psci',
      'console',
      'net',
      'copy',
    ]) {
      expect(help).toContain(`  ${name} `);
    }
  });

  it('writes and reads private memory; the host maps the page on the first touch (dimmed exit)', () => {
    const w = r1.execute('mem write 0x4000 "hello realm"');
    expect(w.some((l) => l.tone === 'dim' && /DATA_CREATE_UNKNOWN at 0x4000/.test(l.text))).toBe(
      true,
    );
    expect(w.at(-1)).toMatchObject({ tone: 'ok' });
    const r = text(r1.execute('mem read 0x4000 11'));
    expect(r).toContain('|hello realm|');
  });

  it('the host cannot read that memory (the page is Realm PAS)', () => {
    const realm = hostRealm(m, 'r1')!;
    const rtt = text(host.execute('rtt r1 0x4000'));
    const pa = /-> (0x[0-9a-f]+)/.exec(rtt)?.[1];
    expect(pa).toBeDefined();
    expect(text(host.execute(`read ${pa} 16`))).toMatch(/Granule Protection Fault/);
    expect(realm.recs.length).toBe(2);
  });

  it('config reports the IPA width, hash algorithm and RPV', () => {
    const out = text(r1.execute('config'));
    expect(out).toContain('ipa_width  42');
    expect(out).toContain('(SHA-256)');
    expect(out).toContain('"realm:r1"');
  });

  it('measure extend changes REM0 and measure read shows it', () => {
    const out = text(r1.execute('measure extend 1 "v1"'));
    expect(out).toContain('RSI_SUCCESS');
    const rem0 = /REM0\s+([0-9a-f]{64})/.exec(out)?.[1];
    expect(rem0).not.toBe('0'.repeat(64));
    expect(text(r1.execute('measure read 1'))).toContain(rem0!);
  });

  it('a bad index is a usage error and nothing runs', () => {
    const before = m.ledger.length;
    const out = r1.execute('measure extend 0 "x"');
    expect(out[0]).toMatchObject({ tone: 'error' });
    expect(m.ledger.length).toBe(before);
  });

  it('memory outside RAM with RIPAS EMPTY gives an SEA', () => {
    expect(text(r1.execute('mem read 0x20000 8'))).toMatch(
      /synchronous external abort at IPA 0x20000/,
    );
  });

  it('console output reaches the host console', () => {
    r1.execute('console hi from r1');
    expect(hostRealm(m, 'r1')!.console).toContain('hi from r1\n');
  });

  it('net send is refused without a network device, and works with one', () => {
    const refused = r1.execute('net send x');
    expect(refused[0]).toMatchObject({ tone: 'error' });
    expect(refused[0]!.text).toMatch(/no network device/);
    expect(text(r2.execute('net send ping'))).toContain('net: sent 5 bytes');
    expect(hostRealm(m, 'r2')!.network).toEqual(['ping\n']);
  });

  it('hostcall passes registers to the host and shows its answer', () => {
    const out = r1.execute('hostcall 9 0x11 0x22');
    expect(
      out.some((l) => l.tone === 'dim' && /RSI_HOST_CALL imm=9 x0=0x11 x1=0x22/.test(l.text)),
    ).toBe(true);
    expect(text(out)).toContain('hostcall: RSI_SUCCESS x0=0x11 x1=0x22');
  });

  it('ipa-state set and get: a page shared with the host reads EMPTY', () => {
    expect(text(r1.execute('ipa-state set 0x6000 0x7000 empty'))).toContain('response=RSI_ACCEPT');
    expect(text(r1.execute('ipa-state get 0x6000 0x8000'))).toContain('out_top=0x7000 ripas=EMPTY');
  });

  it('psci: version, CPU_ON of REC 1 (completed by the host), then AFFINITY_INFO says ON', () => {
    expect(text(r1.execute('psci version'))).toContain('version 1.1');
    const on = r1.execute('psci cpu-on 1 0x0');
    expect(text(on)).toContain('PSCI_SUCCESS');
    expect(on.some((l) => /RMI_PSCI_COMPLETE/.test(l.text))).toBe(true);
    expect(text(r1.execute('psci affinity 1'))).toContain('ON (0)');
    expect(text(r1.execute('psci cpu-on 1 0x0'))).toContain('PSCI_ALREADY_ON');
  });

  it('attest prints the token size and claims, and system-off stops the realm for good', () => {
    expect(text(r1.execute('attest 01'))).toMatch(/CCA token of \d+ bytes/);
    expect(text(r1.execute('psci system-off'))).toMatch(/realm is off/);
    expect(text(host.execute('realm list'))).toMatch(/r1\s+\S+\s+SYSTEM_OFF/);
    expect(text(r1.execute('mem read 0x4000 4'))).toMatch(/realm is off/);
  });
});

describe('host rtt on an NS leaf', () => {
  it('prints the descriptor RTT_MAP_UNPROTECTED takes, and that descriptor maps the page for another realm', () => {
    const m = createMachine({ guest: GUEST_MODEL });
    const host = createHostShell(m);
    host.execute('realm create a');
    host.execute('realm create b --ram 17');
    const a = createRealmShell(m, 'a');
    const b = createRealmShell(m, 'b');
    a.execute('ipa-state set 0x8000 0x9000 empty');
    a.execute('mem write 0x20000008000 "shared"');
    const walk = text(host.execute('rtt a 0x20000008000'));
    const desc = /desc (0x[0-9a-f]+)/.exec(walk)?.[1];
    const pa = /ASSIGNED_NS -> (0x[0-9a-f]+)/.exec(walk)?.[1];
    expect(desc).toBeDefined();
    expect(BigInt(desc!) & ~0xfffn).toBe(BigInt(pa!));
    b.execute('ipa-state set 0x8000 0x9000 empty');
    b.execute('mem read 0x20000008000 4');
    const rd = hostRealm(m, 'b')!.rd.toString(16);
    host.execute(`rmi RTT_UNMAP_UNPROTECTED 0x${rd} 0x20000008000 3`);
    const mapped = text(host.execute(`rmi RTT_MAP_UNPROTECTED 0x${rd} 0x20000008000 3 ${desc!}`));
    expect(mapped).toContain('RMI_SUCCESS');
    expect(text(b.execute('mem read 0x20000008000 6'))).toContain('|shared|');
  });
});
