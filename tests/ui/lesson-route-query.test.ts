// A lesson link keeps working when a query follows the id (routes.ts reads `?mode=` after the
// path; mail clients and LMSs append their own): the query is not part of the lesson id.
import { describe, expect, test } from 'vitest';
import { lessonRoute } from '../../src/ui/persist/links.ts';

describe('lesson links with a query', () => {
  test('the id stops at "?"', () => {
    expect(lessonRoute('#/lesson/04-mica/01-declare?x=1')).toBe('04-mica/01-declare');
    expect(lessonRoute('#/lesson/04-mica/01-declare/?mode=cca')).toBe('04-mica/01-declare');
  });
  test('without a query the id is unchanged, and a bare query names no lesson', () => {
    expect(lessonRoute('#/lesson/04-mica/01-declare')).toBe('04-mica/01-declare');
    expect(lessonRoute('#/lesson/?x=1')).toBeUndefined();
  });
});
