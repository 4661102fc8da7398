import { isDomainError, slugify, validation } from '../../services/index.js';
import { CommandError, UsageError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';

export const createshop = defineCommand(
  {
    name: 'createshop',
    summary: 'create a shop and print its API key (shown once)',
    usage: [
      'Usage: createshop --name NAME --vendor VENDOR --client-id ID [--slug SLUG] [--api-key KEY]',
      '                  [--inactive] [--update-prices]',
      '',
      '  The slug defaults to the transliterated name; the key to a new random one, printed once',
      '  (only its hash is stored).',
    ].join('\n'),
  },
  async (deps, args) => {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        name: { type: 'string' },
        vendor: { type: 'string' },
        'client-id': { type: 'string' },
        slug: { type: 'string' },
        'api-key': { type: 'string' },
        inactive: { type: 'boolean' },
        'update-prices': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    expectPositionals(positionals, []);
    const name = values.name?.trim();
    const vendorName = values.vendor?.trim();
    const clientId = values['client-id']?.trim();
    const missing = [!name && '--name', !vendorName && '--vendor', !clientId && '--client-id'].filter(
      Boolean,
    );
    if (missing.length > 0) throw new UsageError(`Missing ${missing.join(', ')}.`);
    const { shops } = deps.services;
    // The CLI names the slug itself (as the service would derive it) so that a taken one is an error
    // to fix with --slug rather than a silent "-2".
    const slug = values.slug?.trim() ?? slugify(name!);
    const given = values['api-key'];
    const input = { name: name!, slug, clientId: clientId!, vendorName: vendorName!, apiKey: given };
    // The rules first, so that a bad value is reported before a taken one.
    for (const [rule, value] of [
      ['slug', slug],
      ['apiKey', given],
    ] as const) {
      if (value !== undefined) validation.valid(rule, value);
    }
    if ((await shops.findBySlugs([slug])).length > 0) {
      throw new CommandError(
        `Error: a shop with the slug "${slug}" already exists (choose one with --slug).`,
      );
    }
    if (given !== undefined && (await shops.findByApiKey(given))) {
      throw new CommandError('Error: another shop already has this API key.');
    }
    let apiKey: string;
    try {
      ({ apiKey } = await shops.create({
        ...input,
        isActive: !values.inactive,
        updatePrices: values['update-prices'] ?? false,
      }));
    } catch (e) {
      if (isDomainError(e, 'conflict')) {
        throw new CommandError('Error: the slug or the API key was taken meanwhile.');
      }
      throw e;
    }
    deps.out(`Shop "${name}" created with the slug "${slug}".`);
    if (given === undefined) {
      deps.out(`API key (shown once, only its hash is stored): ${apiKey}`);
    }
    return 0;
  },
);
