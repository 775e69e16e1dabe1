// ARCHITECTURE.md names what exists: every folder under src/ and every ledger kind, so the
// map a newcomer reads first cannot fall behind the tree.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [join(dir, e.name), ...folders(join(dir, e.name))]);
}

/** The ledger kinds as ledger.ts declares them (the keys of `LedgerPayloads`). */
function ledgerKinds(): string[] {
  const source = readFileSync(join(ROOT, 'src/emulator/ledger.ts'), 'utf8');
  const body = /export interface LedgerPayloads \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...body.matchAll(/^ {2}'?([a-z:]+)'?: \{/gm)].map((m) => m[1]!);
}

describe('ARCHITECTURE.md', () => {
  it('names every folder under src/', () => {
    const missing = folders(join(ROOT, 'src'))
      .map((dir) => relative(join(ROOT, 'src'), dir).split('/'))
      .filter((parts) => {
        const name = parts[parts.length - 1]!;
        const layer = parts.length === 1;
        return !(layer
          ? doc.includes(`\`src/${name}\``)
          : doc.includes(`\`${name}/\``) || doc.includes(`\`${name}\``));
      })
      .map((parts) => parts.join('/'));
    expect(missing).toEqual([]);
  });

  it('names every ledger kind', () => {
    const kinds = ledgerKinds();
    expect(kinds.length).toBeGreaterThan(5);
    expect(kinds.filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });
});
