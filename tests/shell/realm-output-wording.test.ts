// Realm-terminal output says what happened (issue 9): a guest application's own boot-time
// operations are not reported as the command's result (the hello image's console write was
// printed as "token of 0 bytes"), and "policy upload" labels REM0 with REM0's value
// (RSI_MEASUREMENT_READ index 1), not the RIM's (index 0).
import { describe, expect, it } from 'vitest';
import { hostRealm } from '../../src/emulator/index.ts';
import { openTerminals } from '../../src/lessons/terminals.ts';
import { STAGE_LINES, WIRE_LINES } from '../../src/lessons/fixtures/policy-pipeline.ts';
import { runPipeline } from '../../src/lessons/pipeline.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { replayCommands } from '../../src/lessons/runner.ts';

/** Significant hex of a SHA-256 measurement as the RMM stores it (64 bytes, zero-padded). */
const SHA256_HEX = 64;

describe('realm terminal wording', () => {
  it('net recv with no packet waiting says where the tenant’s input comes from', () => {
    const terminals = openTerminals(createLabMachine());
    terminals.execute('realm create gw --net');
    const text = (line: string) =>
      terminals
        .execute(line)
        .output.map((l) => l.text)
        .join('\n');
    const first = text('@gw net recv 0x1000');
    expect(first).toMatch(/no packet is waiting on the network device/);
    expect(first).toMatch(/host terminal: "tenant send gw <hex\|"text">" queues a packet here/);
    terminals.execute('tenant send gw "abc"');
    expect(text('@gw net recv 0x1000')).toMatch(/net: received 3 bytes at 0x1000, labelled video/);
  });

  it('a count of one says "byte", of more "bytes" (tenant send)', () => {
    const terminals = openTerminals(createLabMachine());
    terminals.execute('realm create gw --net');
    const one = terminals.execute('tenant send gw "A"').output.map((l) => l.text);
    expect(one.some((l) => l.startsWith('tenant: 1 byte for gw '))).toBe(true);
    const two = terminals.execute('tenant send gw "AB"').output.map((l) => l.text);
    expect(two.some((l) => l.startsWith('tenant: 2 bytes for gw '))).toBe(true);
  });

  it('attest on the hello image reports the token, and the app’s console write as the app’s', () => {
    const terminals = openTerminals(createLabMachine());
    terminals.execute('realm create h --image hello');
    const text = terminals.execute('@h attest 12').output.map((l) => l.text);
    expect(text.some((l) => /token of 0 bytes/.test(l))).toBe(false);
    expect(text.some((l) => /self-check: .*fail/.test(l))).toBe(false);
    expect(
      text.filter((l) => /^attest: RSI_SUCCESS, CCA token of \d{4} bytes/.test(l)),
    ).toHaveLength(1);
    expect(text.some((l) => l.includes('[app "hello"] send:'))).toBe(true);
  });

  it('a refused policy upload prints REM0’s value under the REM0 label, not the RIM', () => {
    const machine = createLabMachine();
    const terminals = openTerminals(machine);
    terminals.execute('realm create gateway');
    const lines = terminals.execute('@gateway policy upload video-moderation').output;
    expect(lines.some((l) => /policy upload: .*refused/.test(l.text))).toBe(true);
    const rd = hostRealm(machine, 'gateway')!.rd;
    const rmm = machine.state.rmm.realms['0x' + rd.toString(16)]!;
    const rem0 = lines
      .find((l) => /^ {2}REM0 /.test(l.text))
      ?.text.trim()
      .split(/\s+/)[1];
    expect(rem0).toBe(rmm.rems[0]!.slice(0, SHA256_HEX));
    expect(rem0).not.toBe(rmm.rim.slice(0, SHA256_HEX));
  });

  it('a second upload into a realm that holds an accepted policy says a redeploy is the way (§3.3)', () => {
    const terminals = openTerminals(createLabMachine({ mode: 'mica' }));
    for (const line of [...STAGE_LINES, ...WIRE_LINES]) terminals.execute(line);
    const first = terminals.execute('@gateway policy upload video-moderation').output;
    expect(first.some((l) => /policy upload: RSI_SUCCESS/.test(l.text))).toBe(true);
    const text = terminals
      .execute('@gateway policy upload video-moderation')
      .output.map((l) => l.text)
      .join('\n');
    expect(text).toMatch(/policy upload: .*refused/);
    expect(text).toMatch(/gateway already holds an accepted policy: one upload per realm/);
    expect(text).toMatch(/realm destroy gateway/);
  });

  it('a second upload touches no window again: no blocked read the learner never asked for', () => {
    const terminals = openTerminals(createLabMachine({ mode: 'mica' }));
    for (const line of [...STAGE_LINES, ...WIRE_LINES]) terminals.execute(line);
    for (const stage of ['gateway', 'encoder', 'moderator'])
      terminals.execute(`@${stage} policy upload video-moderation`);
    const text = terminals
      .execute('@moderator policy upload video-moderation')
      .output.map((l) => l.text)
      .join('\n');
    expect(text).toMatch(/moderator already holds an accepted policy/);
    // The moderator may only write Mem3: a prefault read of it was "tried to read Mem3" (×64).
    expect(text).not.toMatch(/tried to read/);
    expect(text).not.toMatch(/prefaulted/);
  });

  it('an access refused at stage 2 says the RMM’s reason, not only that it was refused', () => {
    const terminals = openTerminals(createLabMachine({ mode: 'mica' }));
    for (const line of [...STAGE_LINES, ...WIRE_LINES]) terminals.execute(line);
    // BAR0 is 0x18000000000: one zero short, the address is protected RAM nobody accepted.
    const text = terminals
      .execute('@gateway copy 0x1000 0x1800000020 8')
      .output.map((l) => l.text)
      .join('\n');
    expect(text).toMatch(/copy: synchronous external abort at IPA 0x1800000020/);
    expect(text).toMatch(
      /write of 8 B at IPA 0x1800000020: RIPAS EMPTY: the realm has not accepted memory here/,
    );
  });

  it('an RSI call the RMM refuses says which failure condition fired, not only the status', () => {
    const terminals = openTerminals(createLabMachine());
    terminals.execute('realm create gw');
    // top must be above base (DEN0137 B5.3.9 size_valid): the learner typed the same address.
    const text = terminals
      .execute('@gw ipa-state set 0x9000 0x9000 empty')
      .output.map((l) => l.text)
      .join('\n');
    expect(text).toMatch(/RSI_IPA_STATE_SET refused/);
    expect(text).toMatch(
      /RSI_IPA_STATE_SET -> RSI_ERROR_INPUT: failed size_valid \(the RMM's condition\): top 0x9000 is not above base 0x9000/,
    );
  });

  it('a measurement index out of range says which measurement each index is (1 is REM0)', () => {
    const terminals = openTerminals(createLabMachine());
    terminals.execute('realm create r1');
    const extend = terminals.execute('@r1 measure extend 0 "model v3"').output[0]?.text ?? '';
    expect(extend).toMatch(/<index> must be 1\.\.4 \(1 extends REM0, .*\), not 0/);
    const read = terminals.execute('@r1 measure read 5').output[0]?.text ?? '';
    expect(read).toMatch(/<index> must be 0\.\.4 \(0 is the RIM, 1\.\.4 are REM0\.\.REM3\), not 5/);
  });

  it('an access the host answered with an SEA says stage 2’s reason (an NS page mapped without S2AP)', () => {
    // Lesson 03-pipeline-cca/03, step 4 with the page's address as the descriptor: the
    // encoder's copy only said "synchronous external abort", the permission fault was unsaid.
    const replay = replayCommands(findLesson('03-pipeline-cca/03-through-the-host')!, [
      '@enc ipa-state set 0x8000 0x9000 empty',
      '@enc mem read 0x20000008000 4',
      'rmi RTT_UNMAP_UNPROTECTED 0x8400b000 0x20000008000 3',
      'rmi RTT_MAP_UNPROTECTED 0x8400b000 0x20000008000 3 0x84019000',
      '@enc copy 0x20000008000 0x5000 18',
      '@enc console "hi"',
    ]);
    const text = (i: number) => replay.transcript[i]!.output.map((l) => l.text).join('\n');
    expect(text(4)).toMatch(/copy: synchronous external abort at IPA 0x20000008000/);
    expect(text(4)).toMatch(
      /✖ #\d+ read of 8 B at IPA 0x20000008000: unprotected IPA mapped without read permission \(the descriptor's S2AP bits are 0\)/,
    );
    // An exit the host emulates (the console) is no refusal.
    expect(text(5)).not.toMatch(/✖/);
  });

  it('a realm the VMM has no record of (built with rmi calls) is named as such, not as missing', () => {
    const { machine } = runPipeline(0, 'mica');
    // As a state saved before the workflows' host recorded its realms: the monitor names
    // storage, the VMM has no record to run it by.
    delete machine.state.host!.realms.storage;
    const terminals = openTerminals(machine);
    const text = terminals
      .execute('@storage config')
      .output.map((l) => l.text)
      .join('\n');
    expect(text).toMatch(/realm "storage" was built with "rmi" calls, .* has no terminal/);
    expect(text).not.toMatch(/no realm called/);
    expect(
      terminals
        .execute('@nobody config')
        .output.map((l) => l.text)
        .join('\n'),
    ).toMatch(/no realm called "nobody" \(create it in the host terminal\)/);
  });

  it('a misspelt realm name gets the realm meant, not an invitation to create a new one', () => {
    const terminals = openTerminals(createLabMachine({ mode: 'mica' }));
    terminals.execute('realm create encoder');
    const text = terminals
      .execute('@encodr copy 0x1000 0x2000 8')
      .output.map((l) => l.text)
      .join('\n');
    expect(text).toBe('no realm called "encodr" (did you mean "encoder"?)');
  });
});
