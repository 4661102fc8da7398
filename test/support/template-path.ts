/** Where global set-up left the migrated embedded-database template for this test run. */
export function templatePath(): string {
  const p = process.env.MARKET_BOT_TEST_TEMPLATE;
  if (!p) throw new Error('MARKET_BOT_TEST_TEMPLATE is not set: run the tests through jest (global set-up)');
  return p;
}

/** The same database before any migration ran. */
export function emptyTemplate(migrated: string): string {
  return `${migrated}.empty.tar`;
}
