/**
 * The portal secure message as a FHIR R4 Communication (pure). Everything the patient reads is in
 * payload[0].contentString; `about` and `reasonReference` let the portal and clinicians see why it was sent.
 */
import type { CommunicationCategory, FhirResource } from '../fhir/index.ts';

export interface OutgoingMessage {
  /** The deterministic prompt key: the Communication's identifier value. */
  key: string;
  patientRef: string;
  /** The resources that triggered the prompt (`Type/id`). */
  aboutRefs: string[];
  /** The Condition the prompt is about, where there is one. */
  reasonRef?: string;
  category: CommunicationCategory;
  text: string;
  language?: string;
}

export interface CommunicationSettings {
  senderReference: string;
  identifierSystem: string;
}

export function buildCommunication(message: OutgoingMessage, settings: CommunicationSettings, sentAt: Date): FhirResource {
  return {
    resourceType: 'Communication',
    identifier: [{ system: settings.identifierSystem, value: message.key }],
    status: 'completed',
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: message.category }],
      },
    ],
    medium: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode',
            code: 'ONLINEWRIT',
            display: 'online written',
          },
        ],
      },
    ],
    subject: { reference: message.patientRef },
    recipient: [{ reference: message.patientRef }],
    sender: { reference: settings.senderReference },
    sent: sentAt.toISOString(),
    about: message.aboutRefs.map((reference) => ({ reference })),
    ...(message.reasonRef ? { reasonReference: [{ reference: message.reasonRef }] } : {}),
    ...(message.language ? { language: message.language } : {}),
    payload: [{ contentString: message.text }],
  };
}
