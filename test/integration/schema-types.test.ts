import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/index.ts';
import { testDb } from '../support/pipeline.ts';

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  column_default: string | null;
}

describe('the database schema after the migrations', () => {
  let db: Db;
  let columns: Column[];
  beforeAll(async () => {
    db = testDb();
    columns = await db.$queryRaw<Column[]>`
      SELECT table_name::text, column_name::text, data_type::text, udt_name::text, column_default::text
      FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name IN ('campaigns', 'poll_runs', 'candidates', 'prompts', 'audit_events')`;
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  const column = (table: string, name: string) => columns.find((c) => c.table_name === table && c.column_name === name);

  it('keeps every timestamp with its time zone', async () => {
    const timestamps = columns.filter((c) => c.data_type.startsWith('timestamp'));
    expect(timestamps.length).toBeGreaterThanOrEqual(19);
    expect(timestamps.filter((c) => c.data_type !== 'timestamp with time zone')).toEqual([]);
  });

  it('holds statuses, outcomes, categories and audit entities as enums', async () => {
    expect(
      [
        ['poll_runs', 'status'],
        ['candidates', 'outcome'],
        ['prompts', 'status'],
        ['prompts', 'category'],
        ['audit_events', 'entity_type'],
      ].map(([table, name]) => column(table ?? '', name ?? '')?.udt_name),
    ).toEqual(['PollRunStatus', 'CandidateOutcome', 'PromptStatus', 'PromptCategory', 'AuditEntity']);
    const labels = await db.$queryRaw<Array<{ label: string }>>`SELECT unnest(enum_range(NULL::"CandidateOutcome"))::text AS label`;
    expect(labels.map((row) => row.label)).toContain('no-match');
  });

  it('gives prompts a channel, an external id and a nullable not-before time', async () => {
    expect(column('prompts', 'channel')).toMatchObject({ data_type: 'text', column_default: "'fhir-communication'::text" });
    expect(column('prompts', 'external_id')).toMatchObject({ data_type: 'text' });
    expect(column('prompts', 'communication_id')).toBeUndefined();
    expect(column('prompts', 'not_before')).toMatchObject({ data_type: 'timestamp with time zone' });
  });
});
