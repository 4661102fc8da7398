import { describe, expect, it } from '@jest/globals';
import { slugify } from '../../src/services/index.js';

describe('slugify', () => {
  it.each([
    ['Мой Магазин', 'moy-magazin'],
    ['Ёлка и Щука', 'elka-i-shchuka'],
    ['Їжак Ґанок', 'yizhak-ganok'],
    ['Café Crème', 'cafe-creme'],
    ['  --Hello,   World!--  ', 'hello-world'],
    ['Shop №5', 'shop-no5'],
    ['☃', 'shop'],
    ['', 'shop'],
  ])('%j → %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('leaves room for a numeric suffix within 100 characters and ends without a dash', () => {
    const slug = slugify('ab '.repeat(100));
    expect(slug.length).toBeLessThanOrEqual(92);
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
