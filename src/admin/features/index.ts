import type { FeatureType } from 'adminjs';
import { auditFeature, type AuditDeps, type AuditedActions } from './audit.js';
import { listCountFeature } from './list-count.js';
import { localTimesFeature } from './local-times.js';
import { scrubFeature } from './scrub.js';

export type { ListTotalMeta } from './list-count.js';
export type { AuditDeps, AuditedActions, AuditNote, AuditedResponse } from './audit.js';

/**
 * The features every resource of the panel carries, in this order: the audit log on the actions
 * that change data, then the scrubbing of secrets from every answer, then the dates of lists and
 * records in the staff member's time zone, then how a list's total was counted (exact or not).
 */
export function panelFeatures(spec: AuditedActions, deps: AuditDeps): FeatureType[] {
  return [auditFeature(spec, deps), scrubFeature(spec.actions), localTimesFeature(), listCountFeature()];
}
