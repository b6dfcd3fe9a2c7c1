export { CHANNELS, type Channel, DEFAULT_CHANNEL } from './channels.ts';
export {
  buildCommunication,
  type CommunicationSettings,
  type OutgoingMessage,
} from './communication.ts';
export { DeliveryRejected, DeliveryTransient } from './errors.ts';
export { asDeliveryError, createFhirCommunicationTransport } from './fhir-transport.ts';
export type { DeliveryReceipt, EarlierDelivery, Transport } from './transport.ts';
