import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../../src/cli/commands/run.ts';
import { type CampaignRunSummary, totalsOf } from '../../src/pipeline/index.ts';

const campaign = (campaignId: string, overrides: Partial<CampaignRunSummary>): CampaignRunSummary => ({
  campaignId,
  pollFailed: false,
  matched: 0,
  pages: 0,
  prompts: { pending_review: 0, queued: 0, sent: 0, failed: 0, skipped: 0 },
  alreadyHandled: 0,
  recentlyPrompted: 0,
  notMatched: 0,
  deferred: { count: 0 },
  unfinished: 0,
  ...overrides,
});

const formatted = (campaigns: CampaignRunSummary[]) =>
  formatRunSummary({
    startedAt: '2026-11-30T08:00:00.000Z',
    finishedAt: '2026-11-30T08:01:00.000Z',
    recovered: { candidates: 0, prompts: 0 },
    campaigns,
    totals: totalsOf(campaigns),
    fhirRequests: { searchPages: 2, reads: 0, creates: 1 },
  });

describe('the run --once summary', () => {
  it('counts failed prompts, unfinished work and failed polls apart, each matching its column', () => {
    const campaigns = [
      campaign('wound-care', { matched: 3, prompts: { pending_review: 0, queued: 1, sent: 1, failed: 1, skipped: 0 }, unfinished: 1 }),
      campaign('diabetes', { pollFailed: true }),
    ];
    const text = formatted(campaigns);
    expect(totalsOf(campaigns).failed).toBe(3);
    expect(text.split('\n').slice(-2)).toEqual([
      'matched 3, sent 1, pending review 0, skipped 0, failed 1, unfinished 1, polls failed 1',
      'FHIR requests: 2 search pages, 0 reads, 1 creates',
    ]);
    expect(text).toMatch(/^diabetes \(poll failed\)\s/m);
  });

  it('says until when deferred prompts wait, and does not count them as unfinished or failed', () => {
    const deferred = { count: 2, earliest: '2026-11-30T14:00:00.000Z', latest: '2026-12-01T14:00:00.000Z' };
    const campaigns = [
      campaign('diabetes', { matched: 3, prompts: { pending_review: 0, queued: 2, sent: 1, failed: 0, skipped: 0 }, deferred }),
    ];
    const text = formatted(campaigns);
    expect(totalsOf(campaigns).failed).toBe(0);
    expect(text).toContain('diabetes: deferred 2 until 2026-11-30T14:00:00.000Z (the last until 2026-12-01T14:00:00.000Z)');
    expect(text).toMatch(/^diabetes\s+3\s+1\s+2\s/m);
  });

  it('shows the matches the campaign rules rejected, so the columns add up to MATCHED', () => {
    const text = formatted([
      campaign('after-ed-visit', {
        matched: 6,
        prompts: { pending_review: 0, queued: 0, sent: 2, failed: 0, skipped: 1 },
        alreadyHandled: 1,
        notMatched: 2,
      }),
    ]);
    const [header, row] = text.split('\n');
    expect(header).toMatch(/RECENT\s+NOT MATCHED\s+PAGES/);
    expect(row?.split(/\s{2,}/)).toEqual(['after-ed-visit', '6', '2', '0', '0', '1', '0', '0', '1', '0', '2', '0']);
  });
});
