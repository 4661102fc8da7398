import { ValidationError, type ActionRequest, type Before } from 'adminjs';
import { validation } from '../services/index.js';

/**
 * The panel's side of the domain's one rule set: a typed value that breaks its rule is refused with
 * the rule's sentence, under the field and as the notice, the same sentence the CLI and the services
 * give. Returns the value as the rule normalises it (trimmed).
 */
export function refuseBroken(field: string, rule: validation.Rule, value: unknown): unknown {
  const checked = validation.check(rule, value);
  if (checked.ok) return checked.value;
  const error = { message: checked.problem, type: 'invalid' };
  throw new ValidationError({ [field]: error }, error);
}

/** A before-hook checking these form fields (those present as text) against their rules. */
export function checkRules(fields: Record<string, validation.Rule>): Before {
  return async (request: ActionRequest) => {
    if (request.method !== 'post' || !request.payload) return request;
    const payload = { ...request.payload };
    for (const [field, rule] of Object.entries(fields)) {
      if (typeof payload[field] === 'string') payload[field] = refuseBroken(field, rule, payload[field]);
    }
    return { ...request, payload };
  };
}
