import { Shop } from '../../db/entities/index.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../services/secrets.js';
import {
  CommandError,
  UsageError,
  defineCommand,
  expectPositionals,
  isUniqueViolation,
  parseCommandArgs,
} from '../command.js';
import { apiKeySchema, check, slugify, slugSchema } from '../rules.js';

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
    const slug = values.slug?.trim() ?? slugify(name!);
    const apiKey = values['api-key']?.trim() ?? generateApiKey();
    const problem = check(slugSchema, slug, 'slug') ?? check(apiKeySchema, apiKey, 'api key');
    if (problem) throw new CommandError(`Error: ${problem}`);

    const apiKeyHash = hashApiKey(apiKey);
    try {
      await deps.dataSource.transaction(async (tx) => {
        if (await tx.exists(Shop, { where: { slug } })) {
          throw new CommandError(
            `Error: a shop with the slug "${slug}" already exists (choose one with --slug).`,
          );
        }
        if (await tx.exists(Shop, { where: { apiKeyHash } })) {
          throw new CommandError('Error: another shop already has this API key.');
        }
        await tx.insert(Shop, {
          name,
          slug,
          apiKeyHash,
          apiKeyPrefix: apiKeyPrefix(apiKey),
          clientId,
          vendorName,
          isActive: !values.inactive,
          updatePrices: values['update-prices'] ?? false,
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new CommandError('Error: the slug or the API key was taken meanwhile.');
      throw e;
    }
    deps.out(`Shop "${name}" created with the slug "${slug}".`);
    if (!values['api-key']) {
      deps.out(`API key (shown once, only its hash is stored): ${apiKey}`);
    }
    return 0;
  },
);
