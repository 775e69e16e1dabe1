/**
 * Which items of a scrolling list are out of sight, how tall its box must be to show the
 * tallest whole, and how to bring one into sight without moving the page around it. The
 * Lesson tab's goals box uses all three: at 1280x720 in the projector look it holds about one
 * and a half goals, so its heading says how many goals lie above and below the visible part
 * and takes the reader to the next one, and a goal with a long detail must still fit whole.
 */
import type { Attachment } from 'svelte/attachments';

/** How many of a list's items are not wholly in its visible part, on each side. */
export interface OutOfView {
  readonly above: number;
  readonly below: number;
}

/** {@link OutOfView} and the height (CSS px) the list's box needs for its tallest item. */
export interface ListSight extends OutOfView {
  /** The box's height with the list shrunk to its tallest item; 0 without a box or items. */
  readonly fitTallest: number;
}

/** Layout rounding (fractional pixels under the projector look's CSS zoom) is not "out". */
const SLACK_PX = 1;

/** Counts `list`'s child elements that reach past the top or the bottom of its visible part. */
export function outOfView(list: HTMLElement): OutOfView {
  const box = list.getBoundingClientRect();
  let above = 0;
  let below = 0;
  for (const item of list.children) {
    const r = item.getBoundingClientRect();
    if (r.top < box.top - SLACK_PX) above += 1;
    else if (r.bottom > box.bottom + SLACK_PX) below += 1;
  }
  return { above, below };
}

/**
 * The height `list`'s parent (its box: a heading, padding, the list) needs so that the list
 * shows its tallest item whole: the box as it is, less what the list shows, plus that item.
 * CSS pixels (offset sizes), as a style takes them, also under the projector look's zoom.
 */
export function fitTallest(list: HTMLElement): number {
  const box = list.parentElement;
  const heights = [...list.children].map((el) => (el instanceof HTMLElement ? el.offsetHeight : 0));
  if (!box || heights.length === 0) return 0;
  return box.offsetHeight - list.clientHeight + Math.max(...heights);
}

/**
 * Calls `onChange` with the {@link ListSight} of the list it is attached to, now and whenever
 * it may change: a scroll, the list or an item resized (a goal's detail changed, the projector
 * look's zoom), items added or removed.
 */
export function watchOutOfView(onChange: (sight: ListSight) => void): Attachment<HTMLElement> {
  return (list) => {
    let last: ListSight | undefined;
    const update = (): void => {
      const sight = { ...outOfView(list), fitTallest: fitTallest(list) };
      if (
        last?.above === sight.above &&
        last.below === sight.below &&
        last.fitTallest === sight.fitTallest
      )
        return;
      last = sight;
      onChange(sight);
    };
    const sizes = new ResizeObserver(update);
    const observeItems = (): void => {
      sizes.disconnect();
      sizes.observe(list);
      for (const item of list.children) sizes.observe(item);
    };
    const items = new MutationObserver(() => {
      observeItems();
      update();
    });
    observeItems();
    items.observe(list, { childList: true });
    list.addEventListener('scroll', update, { passive: true });
    update();
    return () => {
      sizes.disconnect();
      items.disconnect();
      list.removeEventListener('scroll', update);
    };
  };
}

/**
 * Scrolls the nearest scrolling box around `el` to show it, and no other: the browser's
 * scroll-into-view also scrolls the boxes further out, which pushed the pane's title and goals
 * out of sight in the projector look, so their positions are put back. (Offsets computed by
 * hand are off under the projector look's CSS zoom.)
 */
export function reveal(el: HTMLElement, block: ScrollLogicalPosition = 'nearest'): void {
  const outer: [Element, number][] = [];
  let inner = false;
  for (let box = el.parentElement; box; box = box.parentElement) {
    if (inner) outer.push([box, box.scrollTop]);
    else inner = ['auto', 'scroll'].includes(getComputedStyle(box).overflowY);
  }
  el.scrollIntoView({ block });
  for (const [box, top] of outer) box.scrollTop = top;
}

/**
 * Brings into sight the first item of `list` below its visible part (`'below'`) or the last
 * one above it (`'above'`), at the top of the list where it can: the items after it follow
 * below, and the faded bottom edge of a list that goes on falls on the next one, not on it.
 */
export function revealNext(list: HTMLElement, side: keyof OutOfView): void {
  const box = list.getBoundingClientRect();
  const items = [...list.children].filter((el): el is HTMLElement => el instanceof HTMLElement);
  const next =
    side === 'below'
      ? items.find((el) => el.getBoundingClientRect().bottom > box.bottom + SLACK_PX)
      : items.findLast((el) => el.getBoundingClientRect().top < box.top - SLACK_PX);
  if (next) reveal(next, 'start');
}
