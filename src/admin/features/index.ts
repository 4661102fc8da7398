import type { FeatureType } from 'adminjs';
import { auditFeature, type AuditDeps, type AuditedActions } from './audit.js';
import { localTimesFeature } from './local-times.js';
import { scrubFeature } from './scrub.js';

export type { AuditDeps, AuditedActions, AuditNote, AuditedResponse } from './audit.js';

/**
 * The features every resource of the panel carries, in this order: the audit log on the actions
 * that change data, then the scrubbing of secrets from every answer, then the dates of lists and
 * records in the staff member's time zone.
 */
export function panelFeatures(spec: AuditedActions, deps: AuditDeps): FeatureType[] {
  return [auditFeature(spec, deps), scrubFeature(spec.actions), localTimesFeature()];
}
