/**
 * Layout of a realm's RTT tree with d3-hierarchy (a tidy tree, deterministic: the same
 * tables always land in the same place) and link paths with d3-shape. Svelte draws it.
 * Top-down: starting RTTs on the first row, one row per level, mapped pages at the bottom.
 * The realm itself is the hidden root.
 */
import { hierarchy, tree } from 'd3-hierarchy';
import { linkVertical } from 'd3-shape';
import type { RttNode } from './realm-view.ts';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 46;
const GAP_X = 12;
const GAP_Y = 18;
const PAD = 4;

export interface PlacedNode {
  readonly node: RttNode;
  readonly x: number;
  readonly y: number;
  readonly depth: number;
}

export interface RttLayout {
  readonly nodes: readonly PlacedNode[];
  readonly links: readonly { readonly id: string; readonly path: string }[];
  readonly width: number;
  readonly height: number;
}

const link = linkVertical<[[number, number], [number, number]], [number, number]>()
  .source((d) => d[0])
  .target((d) => d[1]);

/** Places every node of the realm's tree except the realm root. */
export function layoutRtt(root: RttNode): RttLayout {
  const laid = tree<RttNode>().nodeSize([NODE_WIDTH + GAP_X, NODE_HEIGHT + GAP_Y])(
    hierarchy(root, (d) => d.children as RttNode[]),
  );
  const shown = laid.descendants().filter((d) => d.depth > 0);
  if (shown.length === 0) return { nodes: [], links: [], width: 0, height: 0 };
  const left = Math.min(...shown.map((d) => d.x));
  const right = Math.max(...shown.map((d) => d.x));
  const place = (d: { x: number; y: number }): [number, number] => [
    d.x - left + PAD,
    d.y - (NODE_HEIGHT + GAP_Y) + PAD,
  ];
  const nodes = shown.map((d) => {
    const [x, y] = place(d);
    return { node: d.data, x, y, depth: d.depth };
  });
  const links = laid
    .links()
    .filter((l) => l.source.depth > 0)
    .map((l) => {
      const [sx, sy] = place(l.source);
      const [tx, ty] = place(l.target);
      return {
        id: `${l.source.data.id}->${l.target.data.id}`,
        path:
          link([
            [sx + NODE_WIDTH / 2, sy + NODE_HEIGHT],
            [tx + NODE_WIDTH / 2, ty],
          ]) ?? '',
      };
    });
  const depth = Math.max(...shown.map((d) => d.depth));
  return {
    nodes,
    links,
    width: right - left + NODE_WIDTH + 2 * PAD,
    height: depth * (NODE_HEIGHT + GAP_Y) - GAP_Y + 2 * PAD,
  };
}
