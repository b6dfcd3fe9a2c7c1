/** What patients' records are loaded with for the shipped campaigns: the types, and the codes of Observations. */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Campaign, contextReadsOf, loadCampaigns, valueSetsOf } from '../../src/campaigns/index.ts';
import type { Expansions } from '../../src/criteria/index.ts';
import { LISTED_RESOURCE_TYPES } from '../../src/triggers/index.ts';
import { createValueSetSource } from '../../src/valuesets/index.ts';

const HBA1C = ['http://loinc.org|17856-6', 'http://loinc.org|4548-4', 'http://loinc.org|4549-2'];
const SYSTOLIC = 'http://loinc.org|8480-6';

let campaigns: Map<string, Campaign>;
let expansions: Expansions;

beforeAll(async () => {
  campaigns = new Map((await loadCampaigns('jobs')).map(({ campaign }) => [campaign.id, campaign]));
  const urls = [...new Set([...campaigns.values()].flatMap(valueSetsOf))];
  expansions = await createValueSetSource({ dir: 'jobs/valuesets' }).expand(urls, new Date());
});

const campaign = (id: string) => {
  const found = campaigns.get(id);
  if (!found) throw new Error(`no shipped campaign ${id}`);
  return found;
};

describe('contextReadsOf', () => {
  it("loads a care gap's Observations by the codes its criterion reads, beside the listed types whole", () => {
    const reads = contextReadsOf([campaign('hba1c-care-gap')], expansions);

    expect(reads.types).toEqual(expect.arrayContaining([...LISTED_RESOURCE_TYPES, 'Observation']));
    expect(reads.codes).toEqual(new Map([['Observation', HBA1C]]));
  });

  it("adds the trigger's codes for a decision, and leaves them out at send time, where the trigger is read by id", () => {
    const followUp = campaign('blood-pressure-follow-up');

    expect(contextReadsOf([followUp], expansions).codes.get('Observation')).toEqual([SYSTOLIC]);
    // Its exclusions read Conditions and Procedures; nothing else reads Observations.
    expect(contextReadsOf([followUp], expansions, 'criteria')).toEqual({ types: ['Condition', 'Procedure'], codes: new Map() });
  });

  it("merges the campaigns of a batch: every code any of them reads, and each one's types", () => {
    const reads = contextReadsOf([campaign('hba1c-care-gap'), campaign('blood-pressure-follow-up')], expansions);

    expect(reads.codes.get('Observation')).toEqual([...HBA1C, SYSTOLIC].sort());
  });

  it('loads Observations whole when a reader names no code (a value set that expands to none)', () => {
    const empty = 'urn:test:valueset:empty';
    const gap = campaign('hba1c-care-gap');
    const reader = { lacks: { resource: 'Observation' as const, valueSet: empty } };
    const widened = { ...gap, when: { any: [gap.when ?? {}, reader] } };
    const withEmpty = new Map([...expansions, [empty, { url: empty, version: '1', source: 'file' as const, codes: new Set<string>() }]]);

    expect(contextReadsOf([widened], withEmpty).codes.has('Observation')).toBe(false);
  });

  it('loads no type by code whose codes the server search could not match exactly (Procedures stay included)', () => {
    const reads = contextReadsOf([campaign('hba1c-care-gap')], expansions);

    expect([...reads.codes.keys()]).toEqual(['Observation']);
    expect(reads.types).toContain('Procedure');
  });
});
