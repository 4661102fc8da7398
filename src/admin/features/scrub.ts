import { buildFeature, type ActionResponse, type After, type FeatureType } from 'adminjs';
import { scrubJson } from '../secrets.js';
import { actionNames } from './actions.js';

const strip: After<ActionResponse> = async (response) => scrubJson(response) as ActionResponse;

/**
 * Secrets out of every answer, as an AdminJS feature: an `after` hook on each of the resource's
 * actions (the built-in ones and `actions`) strips hashes and typed secrets from the records it
 * answers with. Listed after the audit feature, so the audit hook sees the answer first.
 */
export function scrubFeature(actions: string[]): FeatureType {
  const names = actionNames(actions);
  return buildFeature({ actions: Object.fromEntries(names.map((name) => [name, { after: [strip] }])) });
}
