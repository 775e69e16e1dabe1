// Old links keep opening (lab-ux.md §2 item 4): every version 1 link kept under
// tests/fixtures/links (made by the snapshot-carrying encoder) decodes to the same scenario and
// restores exactly the machine state it carried.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/lessons/index.ts';
import { decodeFragment } from '../../src/ui/persist/links.ts';

interface FixtureLink {
  readonly file: string;
  readonly kind: string;
  readonly lesson?: string;
  readonly mode: string;
  readonly title?: string;
  readonly commands: number;
  readonly snapshotSha256?: string;
}

const DIR = new URL('../fixtures/links/', import.meta.url);
const MANIFEST = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as FixtureLink[];
const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('version 1 links (snapshot-carrying) still open', () => {
  test.each(MANIFEST.map((f) => [f.file, f] as const))('%s', async (_, fixture) => {
    const link = readFileSync(new URL(fixture.file, DIR), 'utf8').trim();
    const decoded = decodeFragment(link);
    if (!decoded.ok) throw new Error(decoded.error);
    const scenario = decoded.value;
    expect(scenario.mode).toBe(fixture.mode);
    expect(scenario.lesson).toBe(fixture.lesson);
    expect(scenario.title).toBe(fixture.title);
    expect(scenario.commands).toHaveLength(fixture.commands);
    if (fixture.snapshotSha256) {
      expect(sha256(scenario.snapshot)).toBe(fixture.snapshotSha256);
      // Opening it puts exactly that state on a lab machine.
      const run = await runScenario({ ...scenario, commands: [] });
      expect(sha256(run.machine.snapshot().state)).toBe(sha256(scenario.snapshot?.state));
    }
  });
});
