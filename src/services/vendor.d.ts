/** Type declarations for a module of pg that ships none (pg 8, pinned: see services/sql.ts). */

declare module 'pg/lib/utils.js' {
  const utils: {
    /** How pg turns a parameter into what it sends (the Query's valueMapper). */
    prepareValue(value: unknown): unknown;
  };
  export default utils;
}
