import { describe, expect, it } from 'vitest';
import { ConfigError, loadAdminConfig, loadConfig } from '../../src/config/index.ts';

const env = {
  FHIR_BASE_URL: 'http://127.0.0.1:8103/fhir/R4',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/careprompt',
  SENDER_REFERENCE: 'Organization/clinic',
  ORG_NAME: 'Riverside Family Medicine',
  ORG_REPLY_TIME: '2 business days',
};

function problems(source: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('parses the environment with defaults into a frozen object', () => {
    const config = loadConfig(env);
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      templatesDir: 'templates',
      fhir: { baseUrl: env.FHIR_BASE_URL, timeoutMs: 15_000, maxAttempts: 4, pageSize: 500 },
      delivery: { senderReference: 'Organization/clinic', identifierSystem: 'urn:careprompt:prompt' },
      org: { name: 'Riverside Family Medicine', replyTime: '2 business days', replyTimeByLanguage: {} },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing variable with an example', () => {
    expect(problems({})).toEqual(
      expect.arrayContaining([
        'FHIR_BASE_URL is not set (example: FHIR_BASE_URL=https://fhir.example.org/r4)',
        'DATABASE_URL is not set (example: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/careprompt)',
        'ORG_REPLY_TIME is not set (example: ORG_REPLY_TIME=2 business days)',
      ]),
    );
  });

  it('explains malformed values', () => {
    const found = problems({
      ...env,
      FHIR_BASE_URL: 'ftp://x',
      SENDER_REFERENCE: 'clinic',
      DEFAULT_TIMEZONE: 'Moon/Base',
      FHIR_TIMEOUT_MS: 'soon',
    });
    expect(found).toHaveLength(4);
    expect(problems({ ...env, FHIR_BASE_URL: 'not a url' }).filter((line) => line.startsWith('FHIR_BASE_URL'))).toHaveLength(1);
    expect(found.find((line) => line.startsWith('FHIR_BASE_URL'))).toContain('must use http or https');
    expect(found.find((line) => line.startsWith('SENDER_REFERENCE'))).toContain('Organization/123');
    expect(found.find((line) => line.startsWith('DEFAULT_TIMEZONE'))).toContain('IANA');
  });

  it('reads FHIR_MAX_RPS as the shared request budget, none when unset, and refuses a budget that is not positive', () => {
    expect(loadConfig(env).fhir.maxRequestsPerSecond).toBeUndefined();
    expect(loadConfig({ ...env, FHIR_MAX_RPS: '2.5' }).fhir.maxRequestsPerSecond).toBe(2.5);
    for (const value of ['0', '-3', 'fast']) {
      expect(problems({ ...env, FHIR_MAX_RPS: value })).toEqual([expect.stringMatching(/^FHIR_MAX_RPS .*\(example: FHIR_MAX_RPS=20\)$/)]);
    }
  });

  it('does not demand FHIR settings from the commands for people', () => {
    expect(loadAdminConfig({ DATABASE_URL: env.DATABASE_URL })).toEqual({
      databaseUrl: env.DATABASE_URL,
      redisUrl: 'redis://127.0.0.1:6379',
      queue: { prefix: 'careprompt', attempts: 8, backoffMs: 2000 },
      templatesDir: 'templates',
      logLevel: 'info',
    });
  });
});
