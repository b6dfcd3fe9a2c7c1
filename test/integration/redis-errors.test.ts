import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log/index.ts';
import { createRuntime, type Runtime } from '../../src/queue/index.ts';
import { until } from '../support/pipeline.ts';
import { refusedPort } from '../support/ports.ts';

describe('Redis connection errors', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.close();
    vi.restoreAllMocks();
  });

  it('are logged as JSON lines with the error name, code and address, never as raw stack traces', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const stderr = vi.spyOn(process.stderr, 'write');
    const port = await refusedPort();
    runtime = createRuntime({
      redisUrl: `redis://127.0.0.1:${port}`,
      prefix: 'test-unreachable',
      concurrency: 1,
      attempts: 1,
      logger: createLogger({ level: 'info', destination }),
    });

    await until(async () => lines.length > 0, 'a logged connection error');
    const [first] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({
      level: 50,
      msg: 'redis: connection error; retrying',
      prefix: 'test-unreachable',
      err: { code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}` },
    });
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
    // Nothing else reached stderr: ioredis prints "Unhandled error event" there when no listener is attached.
    expect(stderr.mock.calls.map(([text]) => String(text)).join('')).not.toContain('ECONNREFUSED');
  });
});
