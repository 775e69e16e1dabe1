// svelte-check must really check: run it on a deliberately broken component and expect a
// failure naming the error (lab-ux.md §4.2: a misconfigured checker passes vacuously).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('svelte-check', () => {
  it('fails on a component with a type error', () => {
    const r = spawnSync(
      'npx',
      [
        'svelte-check',
        '--workspace',
        'tests/fixtures/svelte-broken',
        '--tsconfig',
        './tsconfig.json',
        '--output',
        'machine',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Broken\.svelte/);
    expect(r.stdout).toMatch(/not assignable to type 'number'/);
  });
});
