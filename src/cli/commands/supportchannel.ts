import { SUPPORT_CHANNEL_KINDS, SupportService } from '../../services/index.js';
import { checkSettings, parseSetting } from '../../support/settings.js';
import { CommandError, defineCommand, parseCommandArgs, UsageError } from '../command.js';

const USAGE = `Usage:
  supportchannel add NAME --kind ${SUPPORT_CHANNEL_KINDS.join('|')} [--set KEY=VALUE …] [--default]
  supportchannel set NAME [--set KEY=VALUE …] [--default]      (KEY= removes a setting)
  supportchannel list
  supportchannel start NAME | stop NAME | remove NAME
  supportchannel token NAME                                     (a new management API token; the old one stops working)

The running app picks a change up within seconds ("list" shows its status). "add" prints the
channel's management API token once.`;

function settingsOf(pairs: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs ?? []) {
    const parsed = parseSetting(pair);
    if (!parsed) throw new UsageError(`--set expects KEY=VALUE, got "${pair}".`);
    out[parsed[0]] = parsed[1];
  }
  return out;
}

/** Support channels from the shell: the same service (and the same sentences) as the panel and the API. */
export const supportchannel = defineCommand(
  {
    name: 'supportchannel',
    summary: 'add, change, start, stop, list and remove support channels',
    usage: USAGE,
  },
  async (deps, args) => {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        kind: { type: 'string' },
        set: { type: 'string', multiple: true },
        default: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    const [action, name, ...extra] = positionals;
    if (extra.length) throw new UsageError(`Unexpected argument: ${extra.join(' ')}.`);
    const support = deps.services.support;
    const needName = () => {
      if (!name) throw new UsageError('Missing argument: NAME.');
      return name;
    };
    const check = (settings: Record<string, unknown>) => {
      const problem = checkSettings(settings, 'UTC');
      if (problem) throw new CommandError(`Error: ${problem}`);
    };
    switch (action) {
      case 'add': {
        if (!values.kind) throw new UsageError('Missing option: --kind.');
        const settings = settingsOf(values.set);
        check(settings);
        const { channel, token } = await support.createChannel({
          name: needName(),
          kind: values.kind,
          settings,
          isDefault: values.default === true,
          running: true,
        });
        deps.out(
          `Support channel "${channel.name}" (${channel.kind}) added${channel.isDefault ? ' as the default' : ''}; the app starts it.`,
        );
        deps.out(`Management API token (shown once): ${token}`);
        return 0;
      }
      case 'set': {
        const settings = settingsOf(values.set);
        check(settings);
        const channel = await support.updateChannel(needName(), { settings });
        if (!channel) throw new CommandError(`Error: no support channel "${name}".`);
        if (values.default) await support.setDefault(channel.name);
        deps.out(
          `Support channel "${channel.name}" updated${channel.running ? '; the app restarts it' : ''}.`,
        );
        return 0;
      }
      case 'start':
      case 'stop': {
        const channel = await support.updateChannel(needName(), { running: action === 'start' });
        if (!channel) throw new CommandError(`Error: no support channel "${name}".`);
        deps.out(
          `Support channel "${channel.name}" ${action === 'start' ? 'will start' : 'will stop'} within seconds.`,
        );
        return 0;
      }
      case 'remove': {
        if (!(await support.removeChannel(needName())))
          throw new CommandError(`Error: no support channel "${name}".`);
        deps.out(`Support channel "${name}" removed, with its conversations and waiting messages.`);
        return 0;
      }
      case 'token': {
        const token = await support.rotateToken(needName());
        if (!token) throw new CommandError(`Error: no support channel "${name}".`);
        deps.out(`New management API token of "${name}" (shown once; the old one no longer works): ${token}`);
        return 0;
      }
      case 'list': {
        const channels = await support.listChannels();
        if (!channels.length) {
          deps.out('No support channels.');
          return 0;
        }
        for (const c of channels) {
          const flags = [c.isDefault ? 'default' : '', c.running ? 'running' : 'stopped']
            .filter(Boolean)
            .join(', ');
          deps.out(`${c.name}  ${c.kind}  ${c.status}  (${flags})${c.lastError ? `  ${c.lastError}` : ''}`);
          const shown = SupportService.shownSettings(c.settings);
          for (const [k, v] of Object.entries(shown).sort(([a], [b]) => a.localeCompare(b)))
            deps.out(`    ${k}=${String(v)}`);
        }
        return 0;
      }
      default:
        throw new UsageError(action ? `Unknown action "${action}".` : 'Missing action.');
    }
  },
);
