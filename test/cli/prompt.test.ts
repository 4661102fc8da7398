import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createPrompt } from '../../src/cli/prompt.js';

function streams(tty: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  const output = new PassThrough();
  let written = '';
  output.on('data', (d) => (written += d));
  return { input, output, written: () => written };
}

describe('the prompt', () => {
  it('at a terminal, echoes plain answers and hides secret ones', async () => {
    const s = streams(true);
    const prompt = createPrompt(s);
    expect(prompt.interactive).toBe(true);
    const name = prompt.ask('Username: ');
    s.input.write('alice\r');
    expect(await name).toBe('alice');
    const secret = prompt.ask('Password: ', { hidden: true });
    s.input.write('top-secret-1\r');
    expect(await secret).toBe('top-secret-1');
    prompt.close();
    expect(s.written()).toContain('Username: ');
    expect(s.written()).toContain('alice');
    expect(s.written()).toContain('Password: ');
    expect(s.written()).not.toContain('top-secret-1');
  });

  it('at a terminal, ends the questions on Ctrl+D', async () => {
    const s = streams(true);
    const prompt = createPrompt(s);
    const answer = prompt.ask('Username: ');
    s.input.write('\x04');
    expect(await answer).toBeUndefined();
    expect(await prompt.ask('Again: ')).toBeUndefined();
    prompt.close();
  });

  it('reads piped input one line per answer, then reports the end', async () => {
    const s = streams(false);
    const prompt = createPrompt(s);
    expect(prompt.interactive).toBe(false);
    s.input.end('one\r\ntwo\n');
    expect(await prompt.ask('First: ')).toBe('one');
    expect(await prompt.ask('Second: ', { hidden: true })).toBe('two');
    expect(await prompt.ask('Third: ')).toBeUndefined();
    prompt.close();
  });
});
