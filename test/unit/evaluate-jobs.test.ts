import { describe, expect, it } from 'vitest';
import {
  EVALUATE_BATCH_SIZE,
  EvaluateWork,
  evaluateJobsFor,
  type PolledCandidate,
  SEND_BATCH_SIZE,
  sendJobsFor,
} from '../../src/pipeline/index.ts';
import { jobIds } from '../../src/queue/jobs.ts';

const RUN_A = '00000000-0000-4000-8000-00000000000a';
const RUN_B = '00000000-0000-4000-8000-00000000000b';
const AS_OF = '2026-03-02T08:00:00.000Z';

function candidate(pollRunId: string, patientId: string, triggerId: string): PolledCandidate {
  const campaignId = pollRunId === RUN_A ? 'wound-care' : 'diabetes';
  return { campaignId, pollRunId, asOf: AS_OF, patientId, triggerRef: `Procedure/${triggerId}` };
}

describe('evaluateJobsFor', () => {
  it('groups candidates by poll run, a patient’s side by side, ids only', () => {
    const jobs = evaluateJobsFor([
      candidate(RUN_A, 'p2', 't3'),
      candidate(RUN_B, 'p1', 't9'),
      candidate(RUN_A, 'p1', 't2'),
      candidate(RUN_A, 'p2', 't1'),
    ]);

    expect(jobs).toEqual([
      {
        campaignId: 'wound-care',
        pollRunId: RUN_A,
        asOf: AS_OF,
        candidates: [
          { patientId: 'p1', triggerRef: 'Procedure/t2' },
          { patientId: 'p2', triggerRef: 'Procedure/t1' },
          { patientId: 'p2', triggerRef: 'Procedure/t3' },
        ],
      },
      { campaignId: 'diabetes', pollRunId: RUN_B, asOf: AS_OF, candidates: [{ patientId: 'p1', triggerRef: 'Procedure/t9' }] },
    ]);
    for (const job of jobs) expect(EvaluateWork.parse(job)).toEqual(job);
  });

  it('queues a trigger a poll saw twice (offset paging repeats) once', () => {
    const jobs = evaluateJobsFor([candidate(RUN_A, 'p1', 't1'), candidate(RUN_A, 'p1', 't1')]);

    expect(jobs.flatMap((job) => job.candidates)).toEqual([{ patientId: 'p1', triggerRef: 'Procedure/t1' }]);
  });

  it(`splits a large page into jobs of at most ${EVALUATE_BATCH_SIZE}`, () => {
    const many = Array.from({ length: 2 * EVALUATE_BATCH_SIZE + 1 }, (_, i) => candidate(RUN_A, `p${i}`, `t${i}`));

    const jobs = evaluateJobsFor(many);

    expect(jobs.map((job) => job.candidates.length)).toEqual([EVALUATE_BATCH_SIZE, EVALUATE_BATCH_SIZE, 1]);
    expect(new Set(jobs.map(jobIds.evaluate)).size).toBe(3);
  });

  it('gives the same batch the same job id, so it is not queued twice at once', () => {
    const [first] = evaluateJobsFor([candidate(RUN_A, 'p1', 't1'), candidate(RUN_A, 'p2', 't2')]);
    const [again] = evaluateJobsFor([candidate(RUN_A, 'p2', 't2'), candidate(RUN_A, 'p1', 't1')]);
    if (!first || !again) throw new Error('expected one job each');

    expect(jobIds.evaluate(again)).toBe(jobIds.evaluate(first));
    expect(jobIds.evaluate(first)).not.toContain(':');
  });
});

describe('sendJobsFor', () => {
  const ids = (count: number) => Array.from({ length: count }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it(`keeps the prompts in order, at most ${SEND_BATCH_SIZE} per job`, () => {
    const promptIds = ids(SEND_BATCH_SIZE + 2);

    const jobs = sendJobsFor(promptIds);

    expect(jobs.map((job) => job.promptIds.length)).toEqual([SEND_BATCH_SIZE, 2]);
    expect(jobs.flatMap((job) => job.promptIds)).toEqual(promptIds);
    expect(sendJobsFor([])).toEqual([]);
  });

  it('names a batch by its prompts, so the same batch is not queued twice at once', () => {
    const [first] = sendJobsFor(ids(3));
    const [again] = sendJobsFor(ids(3));
    const [other] = sendJobsFor(ids(2));
    if (!first || !again || !other) throw new Error('expected one job each');

    expect(jobIds.send(again)).toBe(jobIds.send(first));
    expect(jobIds.send(other)).not.toBe(jobIds.send(first));
    expect(jobIds.send(first)).not.toContain(':');
  });
});
