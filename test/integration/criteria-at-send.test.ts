/**
 * Prompts that wait for quiet hours to end: a care-gap prompt is judged again when it is sent (the patient who had
 * the HbA1c done meanwhile gets nothing, the one who did not gets the reminder), so is the record a prompt is about
 * (stitches recorded by mistake and marked entered in error meanwhile), and a prompt deferred past midnight is
 * worded for the morning it arrives, whether the evaluation or the sender defers it (a clinician's approved words
 * stay as approved). Real PostgreSQL, Redis and the FHIR test server, with the pipeline's clock injected.
 */
import { describe, expect, it } from 'vitest';
import {
  type Context,
  type Enqueue,
  type EvaluateWork,
  evaluateCandidates,
  pollCampaign,
  type SendWork,
  sendPrompts,
} from '../../src/pipeline/index.ts';
import { useTestEnvironment } from '../support/environment.ts';
import { communications, createResource } from '../support/fhir-data.ts';
import { applyExampleCampaigns, createTestPipeline } from '../support/pipeline.ts';

const HOUR = 3_600_000;
const RULES = { SEND_WINDOW: '09:00-20:00', FREQUENCY_CAP: 'none', PROMPT_EXPIRY_HOURS: '72' };

/** The next 03:00 UTC at least an hour from now: quiet hours for a patient whose time zone is UTC. */
function nextNight(): number {
  const from = new Date(Date.now() + HOUR);
  const night = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), 3);
  return night >= from.getTime() ? night : night + 24 * HOUR;
}

/** 21:00 the evening before the night: the visit's check-in is due 12 hours later, at 09:00. */
const visitEnd = (night: number) => night - 6 * HOUR;

describe('prompts that wait for quiet hours to end', () => {
  const env = useTestEnvironment('per-test');

  async function diabeticAdult(given: string) {
    const patient = await createResource(env.fhir.baseUrl, {
      resourceType: 'Patient',
      active: true,
      birthDate: '1968-05-04',
      name: [{ given: [given], family: 'Okafor' }],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: 'UTC' }],
    });
    await createResource(env.fhir.baseUrl, {
      resourceType: 'Condition',
      subject: { reference: `Patient/${patient.id}` },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
      onsetDateTime: '2019-02-01',
    });
    return `Patient/${patient.id}`;
  }

  /** A diabetic adult whose emergency visit ended at `ended`. */
  async function adultBackFromTheEmergencyRoom(given: string, ended: number) {
    const patientRef = await diabeticAdult(given);
    await createResource(env.fhir.baseUrl, {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'emergency' },
      subject: { reference: patientRef },
      period: { start: new Date(ended - 4 * HOUR).toISOString(), end: new Date(ended).toISOString() },
    });
    return patientRef;
  }

  it('withdraws a waiting care-gap reminder once the HbA1c is on file, and sends the other', async () => {
    await applyExampleCampaigns(env.db, (loaded) => loaded, ['hba1c-care-gap']);
    const tested = await diabeticAdult('Ada');
    const untested = await diabeticAdult('Bo');
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, RULES);
    try {
      const night = nextNight();
      pipeline.services.clock = () => new Date(night);
      const first = await pipeline.run(['hba1c-care-gap']);
      expect(first.totals).toMatchObject({ sent: 0, failed: 0 });
      const waiting = await env.db.prompt.findMany({ where: { campaignId: 'hba1c-care-gap' } });
      expect(waiting.map((prompt) => [prompt.status, prompt.notBefore?.getTime()])).toEqual([
        ['queued', night + 6 * HOUR],
        ['queued', night + 6 * HOUR],
      ]);

      // The test is done before the reminder goes out.
      await createResource(env.fhir.baseUrl, {
        resourceType: 'Observation',
        status: 'final',
        subject: { reference: tested },
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
        effectiveDateTime: new Date(night + HOUR).toISOString(),
        valueQuantity: { value: 7.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      });

      pipeline.services.clock = () => new Date(night + 6 * HOUR + 60_000);
      await pipeline.run(['hba1c-care-gap']);
      const byPatient = new Map(
        (await env.db.prompt.findMany({ where: { campaignId: 'hba1c-care-gap' } })).map((prompt) => [prompt.patientRef, prompt]),
      );
      expect(byPatient.get(untested)).toMatchObject({ status: 'sent' });
      expect(byPatient.get(tested)).toMatchObject({ status: 'skipped', rule: 'criteria' });
      expect(byPatient.get(tested)?.reason).toMatch(
        /^criteria not met: lacks Observation http:\/\/loinc.org\|4548-4, .* \(found Observation\//,
      );
      const sent = await communications(env.fhir.baseUrl);
      expect(sent.map((communication) => communication.recipient?.[0]?.reference)).toEqual([untested]);
      const withdrawn = await env.db.auditEvent.findFirst({ where: { entityId: byPatient.get(tested)?.id, action: 'prompt.skipped' } });
      expect(withdrawn?.details).toMatchObject({ rule: 'criteria' });
    } finally {
      await pipeline.close();
    }
  });

  it('withdraws a waiting wound-care prompt whose stitches were marked entered in error, and sends the other', async () => {
    await applyExampleCampaigns(env.db, (loaded) => loaded, ['wound-care-after-sutures']);
    const night = nextNight();
    const stitchesFor = async (given: string) => {
      const patientRef = await diabeticAdult(given);
      const procedure = await createResource(env.fhir.baseUrl, {
        resourceType: 'Procedure',
        status: 'completed',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009', display: 'Closure of wound by suture' }] },
        subject: { reference: patientRef },
        performedDateTime: new Date(night - 2 * HOUR).toISOString(),
      });
      return { patientRef, procedure };
    };
    const mistaken = await stitchesFor('Di');
    const stitched = await stitchesFor('Ed');
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, RULES);
    try {
      pipeline.services.clock = () => new Date(night);
      const first = await pipeline.run(['wound-care-after-sutures']);
      expect(first.totals).toMatchObject({ sent: 0, failed: 0 });
      expect(await env.db.prompt.count({ where: { status: 'queued' } })).toBe(2);

      // The chart is corrected before the prompts go out: Di had no stitches.
      const corrected = await fetch(`${env.fhir.baseUrl}/Procedure/${mistaken.procedure.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ ...mistaken.procedure, status: 'entered-in-error' }),
      });
      expect(corrected.status).toBe(200);

      pipeline.services.clock = () => new Date(night + 6 * HOUR + 60_000);
      await pipeline.run(['wound-care-after-sutures']);
      const promptOf = (patientRef: string) => env.db.prompt.findFirstOrThrow({ where: { patientRef } });
      expect(await promptOf(stitched.patientRef)).toMatchObject({ status: 'sent' });
      expect(await promptOf(mistaken.patientRef)).toMatchObject({
        status: 'skipped',
        rule: 'trigger',
        reason: `Procedure/${mistaken.procedure.id} no longer holds: status entered-in-error is not allowed`,
      });
      const sent = await communications(env.fhir.baseUrl);
      expect(sent.map((communication) => communication.recipient?.[0]?.reference)).toEqual([stitched.patientRef]);
    } finally {
      await pipeline.close();
    }
  });

  it('words a prompt deferred past midnight for the morning it arrives: the visit is no longer "yesterday"', async () => {
    await applyExampleCampaigns(env.db, (loaded) => loaded, ['after-ed-visit']);
    const night = nextNight();
    const ended = visitEnd(night);
    const patientRef = await adultBackFromTheEmergencyRoom('Cy', ended);
    // Decided at 10:30, past a 09:00-10:00 window: it waits for 09:00 the next day, two days after the visit.
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, { ...RULES, SEND_WINDOW: '09:00-10:00' });
    try {
      const decided = night + 7.5 * HOUR;
      pipeline.services.clock = () => new Date(decided);
      await pipeline.run(['after-ed-visit']);
      const prompt = await env.db.prompt.findFirstOrThrow({ where: { campaignId: 'after-ed-visit', patientRef } });
      expect(prompt.notBefore?.getTime()).toBe(night + 30 * HOUR);
      const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: 'UTC' }).format(ended);
      expect(prompt.renderedText).toContain(`you went to the emergency room on ${weekday}`);
      expect(prompt.renderedText).not.toContain('yesterday');
    } finally {
      await pipeline.close();
    }
  });

  it('words a prompt the sender defers for the morning it arrives, but keeps the words a clinician approved', async () => {
    await applyExampleCampaigns(env.db, (loaded) => loaded, ['after-ed-visit']);
    const night = nextNight();
    const ended = visitEnd(night);
    const plain = await adultBackFromTheEmergencyRoom('Cy', ended);
    const approved = await adultBackFromTheEmergencyRoom('Di', ended);
    const pipeline = await createTestPipeline(env.db, env.fhir.baseUrl, { ...RULES, SEND_WINDOW: '09:00-10:00' });
    // The stages are called in turn, so the sends wait until the clock has moved past the window.
    const jobs: { evaluate: EvaluateWork[]; send: SendWork[] } = { evaluate: [], send: [] };
    const enqueue: Enqueue = {
      evaluations: async (work) => void jobs.evaluate.push(...work),
      send: async (work) => void jobs.send.push(work),
      deferredSend: async () => {},
      sends: async (work) => void jobs.send.push(...work),
    };
    const at = (time: number): Context => ({ ...pipeline.services, enqueue, clock: () => new Date(time) });
    try {
      // Decided at 09:30, in the window: worded for then, the visit was yesterday.
      await pollCampaign({ campaignId: 'after-ed-visit' }, at(night + 6.5 * HOUR));
      for (const work of jobs.evaluate) await evaluateCandidates(work, at(night + 6.5 * HOUR));
      const promptOf = (patientRef: string) => env.db.prompt.findFirstOrThrow({ where: { patientRef } });
      for (const patientRef of [plain, approved]) expect((await promptOf(patientRef)).renderedText).toContain('yesterday');
      await env.db.prompt.update({ where: { id: (await promptOf(approved)).id }, data: { reviewedBy: 'dr-lee' } });

      // Sent at 10:30, past the window: both wait for 09:00 the next day, two days after the visit.
      for (const work of jobs.send) await sendPrompts(work, at(night + 7.5 * HOUR));
      const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: 'UTC' }).format(ended);
      const reworded = await promptOf(plain);
      expect(reworded).toMatchObject({ status: 'queued', notBefore: new Date(night + 30 * HOUR) });
      expect(reworded.renderedText).toContain(`you went to the emergency room on ${weekday}`);
      expect(reworded.renderedText).not.toContain('yesterday');
      const deferral = await env.db.auditEvent.findFirstOrThrow({ where: { entityId: reworded.id, action: 'prompt.deferred' } });
      expect(deferral.details).toMatchObject({ rule: 'window', reworded: 'yes' });
      const kept = await promptOf(approved);
      expect(kept).toMatchObject({ status: 'queued', notBefore: new Date(night + 30 * HOUR) });
      expect(kept.renderedText).toContain('you went to the emergency room yesterday');
    } finally {
      await pipeline.close();
    }
  });
});
