/**
 * Hash routes (lab-ux.md §4.8): the build uses a relative base, so the same files work from
 * any folder, and navigation lives after the `#`. `#/` is the lab; `#/?mode=cca` starts the
 * machine in another mode; `#/scenario/<payload>` opens a shared scenario (src/lessons).
 * Hashes that are not routes (`#main`) count as `#/`.
 */
import type { MachineMode } from '../emulator/index.ts';

export interface Route {
  /** `lab`, `scenario` (a shared link: `#/scenario/<payload>`), or `not-found`. */
  readonly page: 'lab' | 'scenario' | 'not-found';
  readonly path: string;
  readonly mode: MachineMode;
}

const MODES: readonly MachineMode[] = ['mica', 'cca', 'mica-prototype'];

/** Parses `location.hash`. */
export function parseHash(hash: string): Route {
  const body = hash.startsWith('#/') ? hash.slice(1) : '/';
  const [rawPath = '/', query = ''] = body.split('?', 2);
  const path = rawPath.replace(/\/+$/, '') || '/';
  const modeParam = new URLSearchParams(query).get('mode');
  const mode = MODES.find((m) => m === modeParam) ?? 'mica';
  // `#/lesson/<id>` and `#/s/<payload>` are the lab too (src/ui/persist/LabSession.svelte).
  const inLab = path === '/' || path.startsWith('/lesson/') || path.startsWith('/s/');
  const page = inLab ? 'lab' : path.startsWith('/scenario/') ? 'scenario' : 'not-found';
  return { page, path, mode };
}
