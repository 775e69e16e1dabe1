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
  /** What in the address could not be followed and what was done instead (`?mode=` typos). */
  readonly problem?: string;
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
  // A link's prefix is matched before trailing slashes go: `#/s/` with its data cut off is a
  // scenario link to refuse with a reason, not an address with nothing at it.
  const inLab = path === '/' || path.startsWith('/lesson/') || rawPath.startsWith('/s/');
  const page = inLab ? 'lab' : rawPath.startsWith('/scenario/') ? 'scenario' : 'not-found';
  const problem =
    modeParam !== null && !MODES.some((m) => m === modeParam)
      ? `The address asks for mode “${modeParam}”, which this lab does not have (${MODES.join(', ')}); the machine started in ${mode} mode.`
      : undefined;
  return { page, path, mode, ...(problem ? { problem } : {}) };
}
