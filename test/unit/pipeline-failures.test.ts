import { describe, expect, it } from 'vitest';
import { DeliveryRejected, DeliveryTransient } from '../../src/delivery/index.ts';
import { FhirAuthError, FhirRequestError, FhirTransientError } from '../../src/fhir/index.ts';
import { announcedWaitMs, failureKind, retryDelayMs, UnknownChannelError } from '../../src/pipeline/index.ts';
import { TemplateError } from '../../src/render/index.ts';

describe('how a stage failure is treated', () => {
  it.each<[string, unknown, ReturnType<typeof failureKind>]>([
    ['refused credentials stop the pipeline', new FhirAuthError('token refused', 'invalid_client'), 'fatal'],
    ['a refused request fails the work for good', new FhirRequestError('HTTP 400', 400, undefined), 'permanent'],
    ['a message the channel refuses fails for good', new DeliveryRejected('fhir-communication: HTTP 422', 'HTTP 422'), 'permanent'],
    ['an unusable template fails for good', new TemplateError('templates/x.hbs', 'does not parse'), 'permanent'],
    ['a prompt whose channel has no transport fails for good', new UnknownChannelError('no transport for channel "sms"'), 'permanent'],
    ['a channel that may recover is retried', new DeliveryTransient('fhir-communication: HTTP 503'), 'transient'],
    ['a server that may recover is retried', new FhirTransientError('HTTP 503'), 'transient'],
    ['anything else is retried', new Error('connection reset'), 'transient'],
  ])('%s', (_, error, kind) => {
    expect(failureKind(error)).toBe(kind);
  });
});

describe('the retry delay', () => {
  it('doubles each attempt from the base', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(new Error('x'), attempt, 1000))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('waits at least as long as the channel asked, found along the causes', () => {
    const asked = new DeliveryTransient('fhir-communication: HTTP 429', { retryAfterMs: 30_000 });
    const wrapped = new Error('DeliveryTransient', { cause: asked });
    expect(retryDelayMs(wrapped, 1, 1000)).toBe(30_000);
    // The backoff wins once it is the longer wait.
    expect(retryDelayMs(wrapped, 7, 1000)).toBe(64_000);
  });
});

describe('a wait the server announced', () => {
  const HOUR = 3_600_000;
  const quotaSpent = new FhirTransientError('HTTP 429', { status: 429, retryAfterMs: HOUR });

  it('is what a FHIR server announced, found along the causes', () => {
    expect(announcedWaitMs(new Error('FhirTransientError', { cause: quotaSpent }), 0, 48 * HOUR)).toBe(HOUR);
    expect(retryDelayMs(quotaSpent, 1, 1000)).toBe(HOUR);
  });

  it('is what a channel announced', () => {
    expect(announcedWaitMs(new DeliveryTransient('fhir-communication: HTTP 429', { retryAfterMs: 30_000 }), 0, 48 * HOUR)).toBe(30_000);
  });

  it('is none when nobody announced one', () => {
    expect(announcedWaitMs(new FhirTransientError('HTTP 503', { status: 503 }), 0, 48 * HOUR)).toBeUndefined();
  });

  it('ends when the work would expire, and is none once it has', () => {
    expect(announcedWaitMs(quotaSpent, 47.5 * HOUR, 48 * HOUR)).toBe(0.5 * HOUR);
    expect(announcedWaitMs(quotaSpent, 48 * HOUR, 48 * HOUR)).toBeUndefined();
  });
});
