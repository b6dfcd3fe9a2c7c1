/**
 * How a prompt leaves careprompt, whatever the channel. A transport must be idempotent on `message.key`: sending
 * the same key twice delivers once and returns the same id (the queue is at-least-once; this makes delivery
 * exactly-once). It fails with DeliveryRejected (never retried) or DeliveryTransient (retried later).
 */
import type { Channel } from './channels.ts';
import type { OutgoingMessage } from './communication.ts';

export interface DeliveryReceipt {
  /** The delivered message's id in the receiving system (a Communication id for fhir-communication). */
  externalId: string;
}

/** A message found already delivered under a key. */
export interface EarlierDelivery {
  externalId: string;
  /** When it was sent, where the receiving system records it. */
  sentAt?: Date;
}

export interface Transport {
  readonly channel: Channel;
  send(message: OutgoingMessage): Promise<DeliveryReceipt>;
  /** The message delivered under this key, if any: a sender that died after sending left it unrecorded. */
  findDelivered(key: string): Promise<EarlierDelivery | undefined>;
}
