import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FhirRequestError, FhirTransientError } from '../../src/fhir/index.ts';
import { createLogger, errorFields, throttledErrorReporter } from '../../src/log/index.ts';
import { TemplateError } from '../../src/render/index.ts';

/** A logger writing JSON lines into an array. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

function systemError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall: 'connect', errno: -111 });
}

describe('error fields in logs', () => {
  it("keep careprompt's own messages, with the HTTP status as the code", () => {
    expect(
      errorFields(new FhirRequestError('POST Communication answered 422', 422, { resourceType: 'OperationOutcome', issue: [] })),
    ).toEqual({ name: 'FhirRequestError', code: '422', message: 'POST Communication answered 422' });
    expect(errorFields(new FhirTransientError('GET Patient timed out'))).toEqual({
      name: 'FhirTransientError',
      message: 'GET Patient timed out',
    });
    expect(errorFields(new TemplateError('templates/x.hbs', "uses unknown helper 'y'"))).toMatchObject({ name: 'TemplateError' });
  });

  it('keep a system error’s message (an address), and find it inside an AggregateError', () => {
    const refused = systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379');
    expect(errorFields(refused)).toEqual({ name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' });
    const both = Object.assign(new AggregateError([refused, systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:6379')], ''), {
      code: 'ECONNREFUSED',
    });
    expect(errorFields(both)).toEqual({ name: 'AggregateError', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });

  it('drop the message of any other error, which may echo patient data, and keep its name and code', () => {
    const driver = Object.assign(new Error('duplicate key value (patient_name)=(Jane Doe)'), { name: 'DriverError', code: '23505' });
    expect(errorFields(driver)).toEqual({ name: 'DriverError', code: '23505' });
    const prisma = Object.assign(new Error("Can't reach database server at `db:5432`\n  → 12 const x = await…"), {
      name: 'PrismaClientInitializationError',
      errorCode: 'P1001',
    });
    expect(errorFields(prisma)).toEqual({ name: 'PrismaClientInitializationError', code: 'P1001' });
    expect(errorFields(new Error('Jane Doe'))).toEqual({ name: 'Error' });
    expect(errorFields('a string')).toEqual({ name: 'string' });
  });

  it('are what the logger writes for `err`: one JSON line, no stack, no other fields', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('Jane Doe'), { name: 'DriverError', code: '23505', detail: 'Jane Doe' });
    logger.error({ err: error, promptId: 'p1' }, 'send failed');
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'send failed', promptId: 'p1', err: { name: 'DriverError', code: '23505' } }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('Jane');
  });
});

describe('throttled error reports', () => {
  it('log the first error of a burst at once and count the repeats into the next line', () => {
    const { lines, logger } = capture();
    let now = 0;
    const report = throttledErrorReporter(logger, 'redis: connection error', { intervalMs: 10_000, now: () => now });
    const refused = systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379');
    report(refused);
    for (now = 100; now < 10_000; now += 100) report(refused);
    expect(lines).toHaveLength(1);
    now = 10_000;
    report(refused);
    expect(lines.map(({ msg, err, repeatsNotLogged }) => ({ msg, err, repeatsNotLogged }))).toEqual([
      { msg: 'redis: connection error', err: errorFields(refused), repeatsNotLogged: undefined },
      { msg: 'redis: connection error', err: errorFields(refused), repeatsNotLogged: 99 },
    ]);
  });
});
