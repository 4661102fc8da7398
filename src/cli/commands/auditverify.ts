import { defineCommand, expectPositionals, parseCommandArgs } from '../command.js';

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/** Walks the audit log's hash chain with AUDIT_KEY (services.audit.verify()); exit 1 when it is broken. */
export const auditverify = defineCommand(
  {
    name: 'auditverify',
    summary: "check the audit log's hash chain; exit 1 and name the first broken entry",
    usage: [
      'Usage: auditverify',
      '',
      "Recomputes every audit entry's hash (HMAC with AUDIT_KEY, chained over the previous entry)",
      'and exits 1 naming the first entry that was changed, inserted or removed behind the app.',
    ].join('\n'),
  },
  async (deps, args) => {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true, strict: true });
    expectPositionals(positionals, []);
    const result = await deps.services.audit.verify();
    const before = result.unchained
      ? ` (${entries(result.unchained)} from before the chain began are not covered)`
      : '';
    if (result.broken) {
      deps.err(`The audit log is broken at entry #${result.broken.id}: ${result.broken.reason}.`);
      deps.err(`${entries(result.checked)} before it ${result.checked === 1 ? 'checks' : 'check'} out.`);
      return 1;
    }
    if (!result.head) {
      deps.out(result.unchained ? `No chained audit entries yet${before}.` : 'The audit log is empty.');
      return 0;
    }
    deps.out(
      `The audit log is intact: ${entries(result.checked)} chained; the last is #${result.head.id}, ` +
        `hash ${result.head.hash}${before}.`,
    );
    return 0;
  },
);
