import readline from 'node:readline';
import { Writable } from 'node:stream';
import type { Prompt } from './command.js';

export interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/**
 * A terminal gets a readline prompt whose echo is muted for hidden answers; piped input is read one
 * line per answer (prompts are still written, so a transcript reads naturally). Nothing touches the
 * input before the first question, and close() lets the process exit.
 */
export function createPrompt(streams: PromptStreams): Prompt & { close(): void } {
  return streams.input.isTTY ? terminalPrompt(streams) : pipedPrompt(streams);
}

function terminalPrompt({ input, output }: PromptStreams): Prompt & { close(): void } {
  let muted = false;
  const echo = new Writable({
    write(chunk, encoding, done) {
      if (!muted) output.write(chunk, encoding);
      done();
    },
  });
  let rl: readline.Interface | undefined;
  let closed = false;
  return {
    interactive: true,
    ask(question, opts = {}) {
      if (closed) return Promise.resolve(undefined);
      rl ??= readline.createInterface({ input, output: echo, terminal: true });
      const iface = rl;
      return new Promise((resolve) => {
        const finish = (answer: string | undefined) => {
          iface.off('close', onClose);
          iface.off('SIGINT', onInterrupt);
          if (muted) output.write('\n');
          muted = false;
          resolve(answer);
        };
        const onClose = () => {
          closed = true;
          finish(undefined);
        };
        // Ctrl+C at a question aborts the command (the database is closed properly) instead of hanging.
        const onInterrupt = () => iface.close();
        iface.once('close', onClose);
        iface.once('SIGINT', onInterrupt);
        output.write(question);
        muted = opts.hidden ?? false;
        iface.question('', (answer) => finish(answer));
      });
    },
    close() {
      closed = true;
      rl?.close();
    },
  };
}

function pipedPrompt({ input, output }: PromptStreams): Prompt & { close(): void } {
  let lines: AsyncIterator<string> | undefined;
  let rl: readline.Interface | undefined;
  let ended = false;
  return {
    interactive: false,
    async ask(question) {
      if (ended) return undefined;
      if (!lines) {
        rl = readline.createInterface({ input, terminal: false, crlfDelay: Infinity });
        lines = rl[Symbol.asyncIterator]();
      }
      output.write(question);
      const next = await lines.next();
      output.write('\n');
      if (next.done) {
        ended = true;
        return undefined;
      }
      return next.value;
    },
    close() {
      rl?.close();
    },
  };
}
