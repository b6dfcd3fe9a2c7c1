/**
 * How a prompt leaves careprompt. A transport must be idempotent on `message.key`: sending the same key
 * twice delivers once and returns the same id (the queue is at-least-once; this makes delivery exactly-once).
 */
import type { OutgoingMessage } from './communication.ts';

export interface DeliveryReceipt {
  /** The id of the delivered message in the receiving system (a Communication id for FHIR). */
  id: string;
  /** false when the receiving system already had this key: a retry after a lost response. */
  created: boolean;
}

/** A message found already delivered under a key. */
export interface EarlierDelivery {
  id: string;
  /** When it was sent, where the receiving system records it. */
  sentAt?: Date;
}

export interface Transport {
  readonly name: string;
  send(message: OutgoingMessage): Promise<DeliveryReceipt>;
  /** The message delivered under this key, if any: a sender that died after sending left it unrecorded. */
  findDelivered(key: string): Promise<EarlierDelivery | undefined>;
}
