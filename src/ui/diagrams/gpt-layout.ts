/**
 * Layout and encodings of the GPT map: a few lines of arithmetic (Svelte draws). No d3 here:
 * the map is on the first screen, and a band and a linear scale are a line each.
 *
 * The map shows a window of DRAM (256 granules = 1 MiB) as a 32x8 grid, plus a compact
 * strip of the fixed regions. Each cell carries two cues: colour and pattern by GPI (which
 * physical address space may touch it) and a short code by RMM granule state.
 */
import type { abi } from '../../emulator/index.ts';

/** Granules per window, and the grid that shows them. */
export const WINDOW_GRANULES = 256;
export const GRID_COLS = 32;
export const GRID_ROWS = WINDOW_GRANULES / GRID_COLS;
/** Size of the grid in SVG units (viewBox); the SVG scales to its box. */
export const GRID_WIDTH = 640;
export const GRID_CELL_PITCH = GRID_WIDTH / GRID_COLS;
export const GRID_HEIGHT = GRID_ROWS * GRID_CELL_PITCH;

/** The order GPIs appear in the legend. */
export const GPI_ORDER: readonly abi.Gpi[] = ['NS', 'REALM', 'SECURE', 'ROOT', 'ANY', 'NO_ACCESS'];

/** Who may access a granule with each GPI, in a few words. */
export const GPI_MEANING: Readonly<Record<abi.Gpi, string>> = {
  NS: 'the host',
  REALM: 'realms and the RMM',
  SECURE: 'the secure world',
  ROOT: 'EL3 only',
  ANY: 'every world',
  NO_ACCESS: 'nobody',
};

/** One-word owner per GPI, for the legend. */
export const GPI_SHORT: Readonly<Record<abi.Gpi, string>> = {
  NS: 'host',
  REALM: 'realm',
  SECURE: 'secure',
  ROOT: 'EL3',
  ANY: 'all',
  NO_ACCESS: 'none',
};

const GPI_COLOUR: Readonly<Record<abi.Gpi, string>> = {
  NS: '#2b4c70',
  REALM: '#3fbf8a',
  SECURE: '#e0a83c',
  ROOT: '#e8737a',
  ANY: '#a892e6',
  NO_ACCESS: '#59636e',
};

const GPI_PATTERN: Readonly<Record<abi.Gpi, string>> = {
  NS: '',
  REALM: 'pat-hatch',
  SECURE: 'pat-dots',
  ROOT: 'pat-cross',
  ANY: 'pat-rows',
  NO_ACCESS: 'pat-cross',
};

/** Fill colour per GPI. */
export const gpiColour = (gpi: abi.Gpi): string => GPI_COLOUR[gpi];

/** Pattern id per GPI: the non-colour cue for the address space. NS stays plain. */
export const gpiPattern = (gpi: abi.Gpi): string => GPI_PATTERN[gpi];

/** Text colour that reads on each GPI fill. */
export function gpiInk(gpi: abi.Gpi): string {
  return gpi === 'NS' || gpi === 'NO_ACCESS' ? '#e6edf3' : '#0b0f14';
}

/** Short code per RMM granule state (the glyph in the cell; UNDELEGATED stays blank). */
export const STATE_CODE: Readonly<Record<abi.GranuleState, string>> = {
  UNDELEGATED: '',
  DELEGATED: 'D',
  RD: 'RD',
  REC: 'RE',
  REC_AUX: 'AX',
  DATA: 'DA',
  RTT: 'RT',
};

/** Padding between cells and at the grid's edges, as fractions of the pitch. */
const PADDING_INNER = 0.14;
const PADDING_OUTER = 0.07;

/**
 * A band scale of `n` bands over [0, extent] (d3's scaleBand with those paddings, centred):
 * the start of band `i`, and the common width of every band.
 */
function bands(n: number, extent: number): { start: (i: number) => number; width: number } {
  const step = extent / Math.max(1, n - PADDING_INNER + PADDING_OUTER * 2);
  const offset = (extent - step * (n - PADDING_INNER)) / 2;
  return { start: (i) => offset + step * i, width: step * (1 - PADDING_INNER) };
}
const column = bands(GRID_COLS, GRID_WIDTH);
const row = bands(GRID_ROWS, GRID_HEIGHT);

/** Side of one cell in SVG units. */
export const CELL_SIZE = column.width;

/** Position of cell `i` (0..255) of a window. */
export interface CellBox {
  readonly i: number;
  readonly col: number;
  readonly row: number;
  readonly x: number;
  readonly y: number;
}

/** Every cell of a window, in address order. */
export const CELLS: readonly CellBox[] = Array.from({ length: WINDOW_GRANULES }, (_, i) => {
  const c = i % GRID_COLS;
  const r = Math.floor(i / GRID_COLS);
  return { i, col: c, row: r, x: column.start(c), y: row.start(r) };
});

/** The cell reached from `i` by a navigation key, or undefined for other keys. */
export function moveCell(i: number, key: string): number | undefined {
  const c = i % GRID_COLS;
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, i - 1);
    case 'ArrowRight':
      return Math.min(WINDOW_GRANULES - 1, i + 1);
    case 'ArrowUp':
      return i >= GRID_COLS ? i - GRID_COLS : i;
    case 'ArrowDown':
      return i + GRID_COLS < WINDOW_GRANULES ? i + GRID_COLS : i;
    case 'Home':
      return i - c;
    case 'End':
      return i - c + GRID_COLS - 1;
    default:
      return undefined;
  }
}

/** Overview bar: where window `w` of `count` sits along a bar of `width` units. */
export function overviewScale(count: number, width: number): (w: number) => number {
  return (w) => (count === 0 ? width / 2 : (w / count) * width);
}

/** A byte size in KiB/MiB. */
export function formatSize(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}
