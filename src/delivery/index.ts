export {
  buildCommunication,
  PROMPT_CATEGORIES,
  type CommunicationSettings,
  type OutgoingMessage,
  type PromptCategory,
} from './communication.ts';
export { createFhirCommunicationTransport } from './fhir-transport.ts';
export type { DeliveryReceipt, Transport } from './transport.ts';
