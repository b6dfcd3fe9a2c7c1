import { describe, expect, it } from 'vitest';
import { buildCommunication } from '../../src/delivery/index.ts';

describe('the portal secure message', () => {
  it('is a completed Communication with identifier, medium, category, about and reason', () => {
    const communication = buildCommunication(
      {
        key: 'abc123',
        patientRef: 'Patient/p1',
        aboutRefs: ['Procedure/proc1'],
        reasonRef: 'Condition/c1',
        category: 'instruction',
        text: 'Hi Ana, ...',
        language: 'es',
      },
      { senderReference: 'Organization/clinic', identifierSystem: 'urn:careprompt:prompt' },
      new Date('2026-11-26T12:00:00Z'),
    );
    expect(communication).toEqual({
      resourceType: 'Communication',
      identifier: [{ system: 'urn:careprompt:prompt', value: 'abc123' }],
      status: 'completed',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'instruction' }] }],
      medium: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'ONLINEWRIT', display: 'online written' }],
        },
      ],
      subject: { reference: 'Patient/p1' },
      recipient: [{ reference: 'Patient/p1' }],
      sender: { reference: 'Organization/clinic' },
      sent: '2026-11-26T12:00:00.000Z',
      about: [{ reference: 'Procedure/proc1' }],
      reasonReference: [{ reference: 'Condition/c1' }],
      language: 'es',
      payload: [{ contentString: 'Hi Ana, ...' }],
    });
  });

  it('leaves out reasonReference when no Condition is known', () => {
    const communication = buildCommunication(
      { key: 'k', patientRef: 'Patient/p1', aboutRefs: ['MedicationRequest/m1'], category: 'reminder', text: 't' },
      { senderReference: 'Organization/clinic', identifierSystem: 'urn:x' },
      new Date(),
    );
    expect(communication).not.toHaveProperty('reasonReference');
    expect(communication).not.toHaveProperty('language');
  });
});
