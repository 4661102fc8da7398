/** Built-in actions that change data; every custom action changes data unless its resource says otherwise. */
export const BUILT_IN_CHANGES = ['new', 'edit', 'delete', 'bulkDelete'];
/** AdminJS's own read-only actions. */
export const BUILT_IN_READS = ['list', 'show', 'search'];

/**
 * All the actions of a resource, in the order AdminJS shows their buttons: the resource's own
 * (custom ones and overridden built-ins) as declared, then the other built-in ones.
 */
export function actionNames(own: string[]): string[] {
  return [...new Set([...own, ...BUILT_IN_CHANGES, ...BUILT_IN_READS])];
}
