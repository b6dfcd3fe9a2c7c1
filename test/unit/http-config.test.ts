import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadHttpConfig, loadMetricsConfig } from '../../src/config/index.ts';
import { auditCsv } from '../../src/http/api/admin.ts';

const SECRET = 'a-session-secret-of-at-least-32-bytes!';

describe('serve configuration', () => {
  it('defaults to loopback:8080, 8-hour sessions, and a 15-minute lock after 5 failures', () => {
    const config = loadHttpConfig({ SESSION_SECRET: SECRET });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      sessionTtlMs: 8 * 3_600_000,
      loginMaxFailures: 5,
      loginLockMs: 15 * 60_000,
    });
    expect(config.sessionSecret.reveal()).toBe(SECRET);
    expect(inspect(config)).not.toContain(SECRET);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names SESSION_SECRET when it is missing or shorter than 32 bytes, without echoing it', () => {
    for (const [value, problem] of [
      [undefined, 'SESSION_SECRET is not set'],
      ['0123456789', 'SESSION_SECRET must be at least 32 bytes: generate one with `openssl rand -base64 48`'],
    ] as const) {
      try {
        loadHttpConfig(value === undefined ? {} : { SESSION_SECRET: value });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems[0]).toContain(problem);
        if (value) expect((error as ConfigError).message).not.toContain(value);
      }
    }
  });

  it('serves the worker’s metrics only when METRICS_PORT is set', () => {
    expect(loadMetricsConfig({})).toBeUndefined();
    expect(loadMetricsConfig({ METRICS_PORT: '9464' })).toEqual({ host: '127.0.0.1', port: 9464 });
  });
});

describe('audit CSV', () => {
  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    const csv = auditCsv([
      {
        id: 'e1',
        at: new Date('2026-12-01T09:00:00Z'),
        actor: '=HYPERLINK("x")',
        action: 'prompt.edited',
        entityType: 'Prompt',
        entityId: 'p1',
        details: { diff: 'a,b\nc' },
      },
    ]);
    expect(csv).toBe(
      'at,actor,action,entity_type,entity_id,details\r\n' +
        `2026-12-01T09:00:00.000Z,"'=HYPERLINK(""x"")",prompt.edited,Prompt,p1,"{""diff"":""a,b\\nc""}"\r\n`,
    );
  });
});
