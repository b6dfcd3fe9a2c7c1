export {
  buildCommunication,
  type CommunicationSettings,
  type OutgoingMessage,
} from './communication.ts';
export { createFhirCommunicationTransport } from './fhir-transport.ts';
export type { DeliveryReceipt, EarlierDelivery, Transport } from './transport.ts';
