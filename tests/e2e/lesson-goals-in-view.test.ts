/**
 * Every goal of a lesson is in sight or plainly reachable (LessonPane.svelte, the goals box):
 * at 1280x720 in the projector look the box holds about one and a half goals, and nothing said
 * that more followed. For every lesson of the catalogue, in the normal and the projector look:
 * each goal lies wholly inside the box's visible part, or the box scrolls, its heading says how
 * many goals the lesson has, and a button in sight says how many more lie below; pressing it
 * until it goes brings the last goal wholly into sight. No goal is taller than the box (it
 * could never be read whole) or cut at the side.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { LESSONS } from '../../src/lessons/loaded.ts';
import { useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage(`#/lesson/${LESSONS[0]!.id}`, async (opened) => {
  ({ page, errors } = opened);
  await page.getByRole('tab', { name: 'Lesson' }).click();
});

/** Where the goals box's goals lie, measured from the top of its scrolling list. */
interface GoalsLayout {
  heading: string;
  /** The list's visible height, and whether it scrolls. */
  visible: number;
  scrolls: boolean;
  /** The box lies inside the window. */
  boxInWindow: boolean;
  goals: { id: string; top: number; bottom: number; cutAtSide: boolean }[];
  /** The "more below" button's text and whether it lies in the box and the window. */
  below?: { text: string; inSight: boolean };
}

/** Layout rounding and the box's own border (2px in the projector look) under its zoom. */
const SLACK = 3;

function goalsLayout(): Promise<GoalsLayout> {
  return page.evaluate(() => {
    const box = document.querySelector<HTMLElement>('.lesson-pane section.goals')!;
    const list = box.querySelector<HTMLElement>('ul')!;
    // What of the list is in sight: clipped by every box from the list up to the goals box
    // that does not let its content overflow (whichever of them scrolls).
    let top = -Infinity;
    let bottom = Infinity;
    let scroller: HTMLElement | undefined;
    for (let el: HTMLElement | null = list; el && el !== box.parentElement; el = el.parentElement) {
      const overflow = getComputedStyle(el).overflowY;
      if (overflow === 'visible') continue;
      const r = el.getBoundingClientRect();
      top = Math.max(top, r.top);
      bottom = Math.min(bottom, r.bottom);
      if (!scroller && ['auto', 'scroll'].includes(overflow)) scroller = el;
    }
    const boxRect = box.getBoundingClientRect();
    const inWindow = (r: DOMRect) =>
      r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
    const button = [...box.querySelectorAll('button')].find((b) => /below/.test(b.innerText));
    const buttonRect = button?.getBoundingClientRect();
    return {
      heading: box.querySelector('h4')!.innerText,
      visible: bottom - top,
      scrolls: !!scroller && scroller.scrollHeight > scroller.clientHeight,
      boxInWindow: inWindow(boxRect),
      goals: [...list.querySelectorAll<HTMLElement>('li.goal')].map((li) => {
        const r = li.getBoundingClientRect();
        return {
          id: li.dataset.goal ?? '',
          top: r.top - top,
          bottom: r.bottom - top,
          cutAtSide: li.scrollWidth > li.clientWidth + 1,
        };
      }),
      ...(button && buttonRect
        ? {
            below: {
              text: button.innerText,
              inSight:
                inWindow(buttonRect) &&
                buttonRect.top >= boxRect.top &&
                buttonRect.bottom <= boxRect.bottom,
            },
          }
        : {}),
    };
  });
}

const whole = (visible: number) => (g: GoalsLayout['goals'][number]) =>
  g.top >= -SLACK && g.bottom <= visible + SLACK;

/** One line per way the lesson's goals fail to be in sight or reachable in this look. */
async function problems(id: string, count: number, look: string): Promise<string[]> {
  const at = `${id} (${look})`;
  const found: string[] = [];
  let layout = await goalsLayout();
  if (!layout.boxInWindow) found.push(`${at}: the goals box is not wholly in the window`);
  for (const g of layout.goals) {
    if (g.bottom - g.top > layout.visible + SLACK)
      found.push(`${at}: goal ${g.id} is taller than the box and can never be read whole`);
    if (g.cutAtSide) found.push(`${at}: goal ${g.id} is cut at the side`);
  }
  const hidden = layout.goals.filter((g) => !whole(layout.visible)(g));
  if (hidden.length === 0) return found;
  if (!layout.scrolls) found.push(`${at}: goals are cut off and the box does not scroll`);
  if (!new RegExp(`\\bof ${count} done\\b`).test(layout.heading))
    found.push(`${at}: the heading does not say the lesson has ${count} goals`);
  const more = `${hidden.length} more goal${hidden.length === 1 ? '' : 's'} below`;
  if (!layout.below?.text.includes(more) || !layout.below.inSight) {
    found.push(`${at}: no button in sight says "${more}" (${layout.below?.text ?? 'none'})`);
    return found;
  }
  // Reach them: the button until it goes, then the last goal is wholly in sight.
  for (let press = 0; press < count && layout.below; press++) {
    const before = layout.below.text;
    await page.locator('.lesson-pane section.goals h4 button', { hasText: 'below' }).click();
    // Each press shows at least one more goal whole: the count falls or the button goes.
    const moved = await expect
      .poll(async () => (layout = await goalsLayout()).below?.text)
      .not.toBe(before)
      .then(
        () => true,
        () => false,
      );
    if (!moved) {
      found.push(`${at}: pressing "${before}" brought no further goal wholly into sight`);
      return found;
    }
  }
  if (layout.below) found.push(`${at}: "${layout.below.text}" still shown after ${count} presses`);
  if (!whole(layout.visible)(layout.goals.at(-1)!))
    found.push(`${at}: the last goal is not wholly in sight after the button went`);
  return found;
}

async function openLesson(id: string, title: string, goals: number): Promise<void> {
  await page.evaluate((hash) => (location.hash = hash), `#/lesson/${id}`);
  await page.locator('.lesson-pane h3', { hasText: title }).waitFor();
  await expect.poll(() => page.locator('.lesson-pane li.goal').count()).toBe(goals);
}

describe('the goals box', () => {
  test('every goal of every lesson is in sight, or the box says how many follow and reaches them', async () => {
    const found: string[] = [];
    for (const look of ['normal', 'projector']) {
      if (look === 'projector') {
        await page.getByRole('button', { name: /^Projector/ }).click();
        await expect
          .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
          .toBe(true);
      }
      for (const lesson of LESSONS) {
        await openLesson(lesson.id, lesson.title, lesson.goals.length);
        found.push(...(await problems(lesson.id, lesson.goals.length, look)));
      }
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
  });
});
