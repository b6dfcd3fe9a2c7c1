/**
 * Records read again by reference, as the server has them now: one `_id` search per resource type for a whole
 * batch (`Procedure?_id=a,b`), whatever the size of the patients' charts. What a prompt is about is checked this
 * way at send time; loading the patients' every record of that type instead would cost a chart's worth of pages.
 */
import { type Logger, silentLogger } from '../log/index.ts';
import { TriggerResource } from '../triggers/index.ts';
import { fieldPath } from './errors.ts';
import type { FhirGateway } from './gateway.ts';
import { referenceOf } from './references.ts';

/**
 * Each record found, by reference (`Procedure/12`). One the server no longer has is missing; so is a malformed one,
 * dropped with a warning naming ids and the field only.
 */
export async function loadRecordsByReference(
  gateway: FhirGateway,
  references: readonly string[],
  options: { logger?: Logger } = {},
): Promise<Map<string, TriggerResource>> {
  const logger = options.logger ?? silentLogger;
  const idsByType = new Map<string, Set<string>>();
  for (const reference of references) {
    const [type, id] = reference.split('/');
    if (!type || !id) continue;
    idsByType.set(type, (idsByType.get(type) ?? new Set()).add(id));
  }
  const found = new Map<string, TriggerResource>();
  for (const [type, ids] of idsByType) {
    for await (const page of gateway.searchPages(type, { _id: [...ids].join(',') })) {
      for (const resource of page.matches) {
        const parsed = TriggerResource.safeParse(resource);
        if (parsed.success) found.set(referenceOf(parsed.data), parsed.data);
        else {
          const field = fieldPath(parsed.error.issues[0]?.path ?? []);
          logger.warn({ resourceType: resource.resourceType, resourceId: resource.id, field }, 'Dropped malformed FHIR resource');
        }
      }
    }
  }
  return found;
}
