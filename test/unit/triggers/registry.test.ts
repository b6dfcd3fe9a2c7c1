import { describe, expect, it } from 'vitest';
import { Trigger } from '../../../src/campaigns/index.ts';
import { findTriggerType, TRIGGER_RESOURCE_TYPES, TriggerResource, triggerTypeOf } from '../../../src/triggers/index.ts';

const subject = { reference: 'Patient/p1' };

describe('trigger registry', () => {
  it('has a module for every resource type the campaign schema accepts, and the schema accepts each', () => {
    const accepted = Trigger.shape.resource.options;
    expect([...accepted].sort()).toEqual([...TRIGGER_RESOURCE_TYPES].sort());
    for (const type of accepted) expect(findTriggerType(type)?.resourceType).toBe(type);
  });

  it('finds a type by its resource type, and nothing for a type campaigns cannot trigger on', () => {
    expect(findTriggerType('Procedure')?.search).toEqual({ code: 'code', status: 'status', date: 'date' });
    expect(findTriggerType('Observation')?.search).toEqual({ code: 'code', status: 'status', date: 'date' });
    expect(findTriggerType('DiagnosticReport')).toBeUndefined();
    expect(findTriggerType('Patient')).toBeUndefined();
    expect(triggerTypeOf({ resourceType: 'Condition' }).search).toEqual({ code: 'code', status: 'clinical-status' });
  });

  it('parses each registered type through the union schema, and refuses any other', () => {
    const samples = [
      { resourceType: 'Condition', id: 'c', subject },
      { resourceType: 'Procedure', id: 'p', status: 'completed', subject },
      { resourceType: 'MedicationRequest', id: 'mr', status: 'active', subject },
      { resourceType: 'MedicationStatement', id: 'ms', status: 'active', subject },
      { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'HbA1c' }, subject },
      { resourceType: 'Encounter', id: 'e', status: 'finished', subject },
    ];
    expect(samples.map((sample) => TriggerResource.safeParse(sample).data?.resourceType)).toEqual(TRIGGER_RESOURCE_TYPES);
    expect(TriggerResource.safeParse({ resourceType: 'DiagnosticReport', id: 'd', status: 'final', subject }).success).toBe(false);
  });

  it('keeps a malformed resource’s own type in the error path', () => {
    const parsed = TriggerResource.safeParse({ resourceType: 'Procedure', id: 'p', subject });
    expect(parsed.error?.issues[0]?.path).toEqual(['status']);
  });
});
