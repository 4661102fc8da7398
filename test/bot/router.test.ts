import { describe, expect, it } from '@jest/globals';
import type { Feature } from '../../src/bot/feature.js';
import { buildRouter } from '../../src/bot/router.js';

/** Features are composed, not overridden: a button, command, input or slot has one owner. */
describe('composing features', () => {
  const run = async () => undefined;

  it('refuses a button claimed by two features', () => {
    const a: Feature = { callbacks: { help: { level: 'public', run } } };
    const b: Feature = { callbacks: { help: { level: 'public', run } } };
    expect(() => buildRouter([a, b])).toThrow('button "help" is claimed by two features');
  });

  it('refuses a payment slot claimed twice, and accepts features that share nothing', () => {
    const pay: Feature = { successfulPayment: run };
    expect(() => buildRouter([pay, { successfulPayment: run }])).toThrow('slot "successfulPayment"');
    expect(() =>
      buildRouter([pay, { commands: { start: { level: 'public', run } } }, { myChatMember: run }]),
    ).not.toThrow();
  });
});
