import { describe, expect, test } from 'vitest';
import { createMachine } from '../../src/emulator/index.ts';
import { createHostShell, createLabMachine } from '../../src/shell/index.ts';
import { openTerminals } from '../../src/lessons/terminals.ts';
import { startLesson } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { hostRealms } from '../../src/emulator/index.ts';
import { realmToEdit } from '../../src/ui/policy/editor-model.ts';
import { CELLS, GRID_COLS, moveCell, formatSize } from '../../src/ui/diagrams/gpt-layout.ts';
import { hexGrouped } from '../../src/lib/hex.ts';
import { chipCount, ledgerRows, ledgerText } from '../../src/ui/ledger/ledger-view.ts';
import { parseHash } from '../../src/ui/routes.ts';

describe('ledger rows', () => {
  const machine = createMachine();
  const shell = createHostShell(machine);
  shell.execute('delegate 0x80000000');
  shell.execute('read 0x80000000');
  shell.execute('undelegate 0x80001000');

  test('nest by parent and fold returns into their calls', () => {
    const { rows } = ledgerRows(machine.ledger);
    expect(rows.map((r) => [r.seq, r.kind, r.depth])).toEqual([
      [1, 'smc:call', 0],
      [2, 'smc:call', 1],
      [3, 'gpt:update', 2],
      [5, 'granule:transition', 1],
      [7, 'mem:access', 0],
      [8, 'gpf', 0],
      [9, 'smc:call', 0],
    ]);
    expect(rows[0]).toMatchObject({ status: 'ok', detail: '→ RMI_SUCCESS', returnSeq: 6 });
  });

  test('failures, blocks and faults carry their reason', () => {
    const { rows } = ledgerRows(machine.ledger);
    const byKind = (k: string) => rows.filter((r) => r.kind === k).at(-1)!;
    expect(byKind('smc:call')).toMatchObject({ status: 'failed' });
    expect(byKind('smc:call').detail).toContain('failed gran_state');
    expect(byKind('mem:access')).toMatchObject({ status: 'blocked' });
    expect(byKind('gpf')).toMatchObject({ status: 'fault' });
  });

  test('the text export has every row (no display limit), indented by nesting, with details', () => {
    const text = ledgerText(machine.ledger);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `Mica Lab flow ledger: ${machine.ledger.length} events (all kinds), oldest first`,
    );
    expect(lines.slice(2).map((l) => l.split('\t')[0])).toEqual(
      ledgerRows(machine.ledger, undefined, Infinity).rows.map((r) => `#${r.seq}`),
    );
    expect(lines).toContain('#3\tgpt:update\t    GPT 0x80000000: GPI NS → REALM');
    expect(text).toContain('Granule Protection Fault: host read 0x80000000 — GPI REALM');
    const gpfOnly = ledgerText(machine.ledger, new Set(['gpf']));
    expect(gpfOnly.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(1);
    expect(gpfOnly).toContain('(gpf)');
  });

  test('a filter chip count is at most four characters, in thousands from 1000 (one row of chips)', () => {
    expect([0, 7, 999, 1002, 5656, 9999].map(chipCount)).toEqual([
      '0',
      '7',
      '999',
      '1.0k',
      '5.6k',
      '9.9k',
    ]);
    expect([10_000, 11_346, 123_456, 999_999].map(chipCount)).toEqual([
      '10k',
      '11k',
      '123k',
      '999k',
    ]);
  });

  test('a realm access reads what the realm did at which IPA and what stage 2 made of it', () => {
    const m = createLabMachine();
    const t = openTerminals(m);
    t.execute('realm create r');
    t.execute('@r mem read 0x1000 8');
    t.execute('@r mem read 0x20000 8');
    const rows = ledgerRows(m.ledger, undefined, Infinity).rows.filter(
      (r) => r.kind === 'realm:access',
    );
    // The row read `realm:access realm:access`: the kind had no description of its own.
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(r.summary).toMatch(/^realm:0x[0-9a-f]+ (read|write|fetch) \d+ B at IPA 0x/);
    expect(rows.some((r) => r.status === 'ok' && r.detail === 'done (stage2)')).toBe(true);
    expect(rows.some((r) => r.status === 'blocked' && r.detail?.startsWith('SEA injected'))).toBe(
      true,
    );
  });

  test('the policy editor opens on the first realm without an accepted policy', () => {
    // 04-mica/01: the gateway's file is in, the lesson asks for the encoder's; the editor
    // opened on the gateway, whose upload the monitor refuses (one-shot).
    const session = startLesson(findLesson('04-mica/01-declare')!);
    const names = hostRealms(session.machine).map((r) => r.name);
    expect(names[0]).toBe('gateway');
    expect(realmToEdit(session.machine.state, names)).toBe('encoder');
    const bare = createLabMachine();
    expect(realmToEdit(bare.state, [])).toBe('');
  });

  test('filter by kind group and limit', () => {
    expect(ledgerRows(machine.ledger, new Set(['gpf'])).rows.map((r) => r.seq)).toEqual([8]);
    const limited = ledgerRows(machine.ledger, undefined, 2);
    expect(limited.hidden).toBe(5);
    expect(limited.rows.map((r) => r.seq)).toEqual([8, 9]);
    // Without SMC rows the returns are not folded anywhere, so none is shown.
    const noSmc = ledgerRows(machine.ledger, new Set(['gpt', 'granule']));
    expect(noSmc.rows.map((r) => r.kind)).toEqual(['gpt:update', 'granule:transition']);
  });
});

describe('GPT layout', () => {
  test('a 32x8 grid with keyboard moves that stay inside it', () => {
    expect(CELLS).toHaveLength(256);
    expect(CELLS[33]).toMatchObject({ col: 1, row: 1 });
    expect(CELLS[1]!.x).toBeGreaterThan(CELLS[0]!.x);
    expect(moveCell(0, 'ArrowLeft')).toBe(0);
    expect(moveCell(0, 'ArrowDown')).toBe(GRID_COLS);
    expect(moveCell(255, 'ArrowDown')).toBe(255);
    expect(moveCell(40, 'Home')).toBe(32);
    expect(moveCell(40, 'End')).toBe(63);
    expect(moveCell(40, 'x')).toBeUndefined();
  });

  test('addresses and sizes read well', () => {
    expect(hexGrouped(0x80000000)).toBe('0x8000_0000');
    expect(hexGrouped(0x1c090000)).toBe('0x1c09_0000');
    expect(hexGrouped(0xff80000000)).toBe('0xff_8000_0000');
    expect(formatSize(0x40000)).toBe('256 KiB');
    expect(formatSize(0x8000000)).toBe('128 MiB');
  });
});

describe('hash routes', () => {
  test('#/ and non-route hashes are the lab; mode comes from the query', () => {
    expect(parseHash('')).toMatchObject({ page: 'lab', mode: 'mica' });
    expect(parseHash('#main')).toMatchObject({ page: 'lab' });
    expect(parseHash('#/?mode=cca')).toMatchObject({ page: 'lab', mode: 'cca' });
    expect(parseHash('#/?mode=bogus')).toMatchObject({ mode: 'mica' });
    expect(parseHash('#/nope/')).toMatchObject({ page: 'not-found', path: '/nope' });
  });

  test('a bad address is said, never silently changed: a cut-off link, a mistyped mode', () => {
    // A share link cut off after its prefix reaches the code that says why it cannot open.
    expect(parseHash('#/s/')).toMatchObject({ page: 'lab' });
    expect(parseHash('#/scenario/')).toMatchObject({ page: 'scenario' });
    expect(parseHash('#/?mode=cca').problem).toBeUndefined();
    expect(parseHash('#/?mode=CCA')).toMatchObject({
      mode: 'mica',
      problem: expect.stringContaining('asks for mode “CCA”, which this lab does not have'),
    });
  });
});

describe('realm views', async () => {
  const { createMachine: create } = await import('../../src/emulator/index.ts');
  const { createHostShell: shellOf } = await import('../../src/shell/index.ts');
  const { readRealms, formatSpan } = await import('../../src/ui/realms/realm-view.ts');
  const { layoutRtt } = await import('../../src/ui/realms/rtt-layout.ts');
  const { realmCommands } = await import('../e2e/realm-scenario.ts');

  test('a realm built from host commands reads back with its RECs and RTT tree', () => {
    const machine = create();
    const shell = shellOf(machine);
    for (const line of realmCommands()) {
      const out = shell.execute(line);
      expect(
        out.some((l) => l.tone === 'error'),
        `${line}: ${out[0]?.text}`,
      ).toBe(false);
    }
    const [realm] = readRealms(machine);
    expect(realm).toMatchObject({ state: 'ACTIVE', vmid: 1, ipaWidth: 40, rttLevelStart: 1 });
    expect(realm!.granules).toEqual({ RD: 1, RTT: 4, DATA: 1, REC: 1, REC_AUX: 2 });
    expect(realm!.recs).toHaveLength(1);
    const labels: string[] = [];
    const walk = (n: { label: string; children: readonly unknown[] }) => {
      labels.push(n.label);
      n.children.forEach((c) => walk(c as typeof n));
    };
    walk(realm!.tree);
    expect(labels).toEqual([
      'Realm RD 0x8000_2000',
      'L1 RTT 0x8000_0000',
      'L2 RTT 0x8000_3000',
      'L3 RTT 0x8000_4000',
      'IPA 0x0',
      'L1 RTT 0x8000_1000',
    ]);
    const layout = layoutRtt(realm!.tree);
    expect(layout.nodes).toHaveLength(5);
    expect(layout.links).toHaveLength(3);
    // Deterministic: the same tree lays out the same way.
    expect(layoutRtt(realm!.tree)).toEqual(layout);
    expect(formatSpan(2 ** 39)).toBe('512 GiB');
  });
});
