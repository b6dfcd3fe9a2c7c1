import { Campaign } from '../../src/campaigns/index.ts';

/** A valid campaign with overrides, parsed through the real schema. */
export function campaignFixture(overrides: Record<string, unknown> = {}): Campaign {
  return Campaign.parse({
    id: 'wound-care',
    name: 'Wound care',
    schedule: { cron: '0 8 * * *', timezone: 'America/New_York' },
    trigger: { resource: 'Procedure', codes: ['http://snomed.info/sct|18557009'], status: ['completed'], within: 'P3D' },
    template: 'wound-care',
    ...overrides,
  });
}
