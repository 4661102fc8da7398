/** Built-in actions that change data; every custom action changes data unless a resource says otherwise. */
export const BUILT_IN_CHANGES = ['new', 'edit', 'delete', 'bulkDelete'];
/** AdminJS's own read-only actions. */
export const BUILT_IN_READS = ['list', 'show', 'search'];
