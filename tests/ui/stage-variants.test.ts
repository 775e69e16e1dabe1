// The stage menu's model (src/ui/pipeline/stage-variants.ts, issue 12 "In the page"): a drawn
// stage offers the malicious programs a shipped scenario plays in that stage, in the machine's
// mode, with every other stage honest, and the honest run to switch back; nothing else.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stageVariants } from '../../src/ui/pipeline/stage-variants.ts';
import { loadScenarioFile, type ScenarioFile } from '../../src/workflows/scenario-file.ts';

const DIR = new URL('../../scenarios/', import.meta.url);
const FILES: ScenarioFile[] = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .sort()
  .flatMap((n) => {
    const l = loadScenarioFile(readFileSync(new URL(n, DIR), 'utf8'));
    return l.ok ? [l.scenario] : [];
  });
const VIDEO = ['gateway', 'encoder', 'moderator', 'storage'];

describe('what each stage can be switched to', () => {
  it('Mica: the encoder lists honest first, then its variants by attack, each with the file that plays it', () => {
    const encoder = stageVariants(FILES, VIDEO, 'mica').get('encoder')!;
    expect(encoder.map((v) => v.program)).toEqual([
      'honest',
      'copy-to-ns',
      'ipa-state-set',
      'hostcall-smuggle',
      'encode-then-leak',
      'exit-smuggle',
      'undeclared-window',
    ]);
    expect(encoder[0]!.file).toBe('video-honest-mica');
    expect(encoder[1]!.file).toBe('attack-01-copy-to-ns-mica');
  });

  it('every entry is a file in the same mode whose only non-honest stage is this one', () => {
    for (const mode of ['mica', 'mica-prototype'])
      for (const [realm, list] of stageVariants(FILES, VIDEO, mode))
        for (const v of list) {
          const f = FILES.find((x) => x.id === v.file)!;
          expect(f.mode).toBe(mode);
          expect(f.realms.filter((r) => r.program !== 'honest').map((r) => r.name)).toEqual(
            v.program === 'honest' ? [] : [realm],
          );
        }
  });

  it('the gateway and storage have their own variants; two colluding stages are not one switch', () => {
    const menus = stageVariants(FILES, VIDEO, 'mica');
    expect(menus.get('gateway')!.map((v) => v.program)).toEqual(['honest', 'change-policy']);
    expect(menus.get('storage')!.map((v) => v.program)).toEqual(['honest', 'publish-unmoderated']);
    expect(menus.has('moderator')).toBe(false);
  });

  it('the LLM model RI offers what its files play; the ring has no variant file, so no switch', () => {
    expect(
      stageVariants(FILES, ['RG', 'RF', 'RI'], 'mica')
        .get('RI')!
        .map((v) => v.program),
    ).toEqual(['honest', 'hostcall-smuggle']);
    // Played by two files (locked and shipped policies): offered once, by the closer file.
    const shipped = FILES.find((f) => f.id === 'llm-shipped-model-leaks-mica');
    expect(stageVariants(FILES, ['RG', 'RF', 'RI'], 'mica', shipped).get('RI')![1]!.file).toBe(
      'llm-shipped-model-leaks-mica',
    );
    const proto = stageVariants(FILES, VIDEO, 'mica-prototype').get('encoder')!;
    expect(proto.filter((v) => v.program === 'exit-smuggle')).toHaveLength(1);
    expect(stageVariants(FILES, ['RG', 'RE', 'RN'], 'mica').size).toBe(0);
    expect(stageVariants(FILES, VIDEO, 'cca').size).toBe(0);
  });
});
