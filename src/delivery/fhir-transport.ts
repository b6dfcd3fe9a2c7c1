/** The default transport: a Communication created on the FHIR server, conditional on its identifier. */
import { FhirDataError, type FhirGateway, FhirRequestError, FhirTransientError, failureReason } from '../fhir/index.ts';
import { buildCommunication, type CommunicationSettings } from './communication.ts';
import { DeliveryRejected, DeliveryTransient } from './errors.ts';
import type { Transport } from './transport.ts';

export function createFhirCommunicationTransport(
  gateway: FhirGateway,
  settings: CommunicationSettings,
  clock: () => Date = () => new Date(),
): Transport {
  return {
    channel: 'fhir-communication',
    async send(message) {
      const communication = buildCommunication(message, settings, clock());
      const identifier = { system: settings.identifierSystem, value: message.key };
      try {
        const { id } = await gateway.createIfNoneExist(communication, identifier);
        return { externalId: id };
      } catch (error) {
        throw asDeliveryError(error);
      }
    },
    async findDelivered(key) {
      const identifier = `${settings.identifierSystem}|${key}`;
      try {
        // The first page answers: the identifier is unique to one Communication.
        for await (const page of gateway.searchPages('Communication', { identifier, _count: '1' })) {
          const [found] = page.matches;
          return found?.id ? { externalId: found.id, ...sentAtOf(found.sent) } : undefined;
        }
        return undefined;
      } catch (error) {
        throw asDeliveryError(error);
      }
    },
  };
}

/**
 * The gateway's errors in the channel-neutral terms: refused or malformed answers will not change on a retry;
 * the server or network may recover. Anything else (FhirAuthError, which stops the run; a bug) goes on as it is.
 */
export function asDeliveryError(error: unknown): unknown {
  if (error instanceof FhirRequestError || error instanceof FhirDataError) {
    return new DeliveryRejected(`fhir-communication: ${error.message}`, failureReason(error), { cause: error });
  }
  if (error instanceof FhirTransientError) {
    return new DeliveryTransient(`fhir-communication: ${error.message}`, {
      cause: error,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
  return error;
}

function sentAtOf(sent: unknown): { sentAt?: Date } {
  const sentAt = typeof sent === 'string' ? new Date(sent) : undefined;
  return sentAt && !Number.isNaN(sentAt.getTime()) ? { sentAt } : {};
}
