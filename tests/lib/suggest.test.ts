// "Did you mean": a typo gets the name meant; a far or ambiguous word gets no guess.
import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../../src/lib/suggest.ts';

const HOST = ['help', 'gpt', 'read', 'write', 'delegate', 'undelegate', 'rmi', 'smc', 'realm'];

describe('a misspelt name gets the nearest known one', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('shwo', 'show')).toBe(1);
    expect(editDistance('delegat', 'delegate')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests a close name, and nothing for a far or ambiguous word', () => {
    expect(closestName('delegat', HOST)).toBe('delegate');
    expect(closestName('DELEGATE', HOST)).toBe('delegate');
    expect(closestName('realms', HOST)).toBe('realm');
    expect(closestName('frobnicate', HOST)).toBeUndefined();
    // A short word allows one edit: "rea" is one from "read", two from "realm".
    expect(closestName('rea', HOST)).toBe('read');
    // One edit from two names: no guess.
    expect(closestName('sm', ['smc', 'sma'])).toBeUndefined();
    expect(didYouMean('shwo', ['create', 'show'])).toBe(' (did you mean "show"?)');
    expect(didYouMean('zzz', ['create', 'show'])).toBe('');
  });
});
