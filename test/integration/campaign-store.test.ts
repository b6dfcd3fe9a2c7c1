import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCampaigns, triggerOf } from '../../src/campaigns/index.ts';
import { applyCampaigns, type Db, getCampaign } from '../../src/store/index.ts';
import { emptyDatabase, testDb } from '../support/pipeline.ts';

describe('applying campaigns', () => {
  let db: Db;
  beforeAll(async () => {
    db = testDb();
    await emptyDatabase(db);
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it('keeps the polling state for wording changes and rescans from scratch when the trigger changes', async () => {
    const [wound] = (await loadCampaigns('jobs/wound-care-after-sutures.yaml')).map((loaded) => loaded);
    if (!wound) throw new Error('example campaign missing');
    expect(await applyCampaigns(db, [wound], 'test')).toEqual([{ id: wound.campaign.id, change: 'created', version: 1 }]);
    const polledAt = new Date('2026-11-26T10:00:00Z');
    await db.campaign.update({ where: { id: wound.campaign.id }, data: { watermark: polledAt, lastPolledAt: polledAt } });

    const renamed = { ...wound, campaign: { ...wound.campaign, name: 'Caring for stitches' }, hash: 'renamed' };
    expect(await applyCampaigns(db, [renamed], 'test')).toEqual([{ id: wound.campaign.id, change: 'updated', version: 2 }]);
    expect((await getCampaign(db, wound.campaign.id))?.state).toEqual({ watermark: polledAt, lastPolledAt: polledAt });

    const widened = {
      ...renamed,
      campaign: { ...renamed.campaign, trigger: { ...triggerOf(renamed.campaign), within: 'P7D' } },
      hash: 'widened',
    };
    await applyCampaigns(db, [widened], 'test');
    expect((await getCampaign(db, wound.campaign.id))?.state).toEqual({});
    expect(await db.auditEvent.count({ where: { entityType: 'Campaign', entityId: wound.campaign.id } })).toBe(3);
  });

  it('keeps every change as a version with its author and the diff against the one before', async () => {
    const [wound] = await loadCampaigns('jobs/wound-care-after-sutures.yaml');
    if (!wound) throw new Error('example campaign missing');
    await db.campaignVersion.deleteMany();
    await db.campaign.deleteMany({ where: { id: wound.campaign.id } });
    await applyCampaigns(db, [wound], 'ana@clinic.test');
    await applyCampaigns(db, [wound], 'ana@clinic.test');
    const source = wound.source.replace(/^name: .*$/m, 'name: Caring for stitches');
    const renamed = { ...wound, campaign: { ...wound.campaign, name: 'Caring for stitches' }, hash: 'renamed', source };
    await applyCampaigns(db, [renamed], 'ben@clinic.test');

    const versions = await db.campaignVersion.findMany({ where: { campaignId: wound.campaign.id }, orderBy: { version: 'asc' } });
    expect(versions.map(({ version, actor }) => ({ version, actor }))).toEqual([
      { version: 1, actor: 'ana@clinic.test' },
      { version: 2, actor: 'ben@clinic.test' },
    ]);
    expect(versions[0]?.yaml).toBe(wound.source);
    expect(versions[1]?.diff.split('\n').filter((line) => !line.startsWith('  '))).toEqual([
      `- ${wound.source.match(/^name: .*$/m)?.[0]}`,
      '+ name: Caring for stitches',
    ]);
    expect((await getCampaign(db, wound.campaign.id))?.version).toBe(2);
  });

  it('rejects a folder in which one file is invalid, naming that file and field', async () => {
    await expect(loadCampaigns('test/fixtures/campaigns-one-bad')).rejects.toThrow(/bad\.yaml: trigger\.status/);
  });
});
