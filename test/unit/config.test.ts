import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, cliActor, DEFAULT_FHIR_SCOPES, loadAdminConfig, loadConfig, loadTemplatesConfig } from '../../src/config/index.ts';

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

  it('reads the Consent codings that mean outreach messaging from OPT_OUT_CONSENT_CODES, with a default', () => {
    expect([...loadConfig(env).optOut.outreachCodes]).toEqual([
      'urn:careprompt:consent|outreach-messaging',
      'http://terminology.hl7.org/CodeSystem/v3-ActReason|CAREMGT',
    ]);
    expect([...loadConfig({ ...env, OPT_OUT_CONSENT_CODES: 'urn:x|a, urn:y|b' }).optOut.outreachCodes]).toEqual(['urn:x|a', 'urn:y|b']);
    expect(problems({ ...env, OPT_OUT_CONSENT_CODES: 'outreach' })).toEqual([
      expect.stringMatching(/^OPT_OUT_CONSENT_CODES must be a comma-separated list of "system\|code" \(example: /),
    ]);
  });

  it('takes the recent-procedure window from RECENT_PROCEDURES_DAYS, 90 days by default', () => {
    expect(loadConfig(env).render).toEqual({ recentProcedureDays: 90 });
    expect(loadConfig({ ...env, RECENT_PROCEDURES_DAYS: '30' }).render).toEqual({ recentProcedureDays: 30 });
    expect(problems({ ...env, RECENT_PROCEDURES_DAYS: 'a month' })).toEqual([
      expect.stringMatching(/^RECENT_PROCEDURES_DAYS .*\(example: RECENT_PROCEDURES_DAYS=90\)$/),
    ]);
  });

  it('reads only TEMPLATES_DIR for checking campaign files, templates/ by default', () => {
    expect(loadTemplatesConfig({})).toEqual({ templatesDir: 'templates' });
    expect(loadTemplatesConfig({ TEMPLATES_DIR: '/srv/templates', DATABASE_URL: 'not read' })).toEqual({ templatesDir: '/srv/templates' });
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

  it('reads quiet hours and frequency caps, 09:00-20:00 and 1/P1D,3/P7D by default, naming the variable and the fix', () => {
    const defaults = loadConfig(env).schedule;
    expect([defaults.window.start, defaults.window.end, defaults.window.days.size]).toEqual([540, 1200, 7]);
    expect(defaults.caps.map((cap) => cap.text)).toEqual(['1/P1D', '3/P7D']);
    const chosen = loadConfig({ ...env, SEND_WINDOW: '08:00-18:00 mon-fri', FREQUENCY_CAP: 'none' }).schedule;
    expect([chosen.window.start, chosen.window.days.size, chosen.caps]).toEqual([480, 5, []]);
    const [window, cap] = problems({ ...env, SEND_WINDOW: '9 to 5', FREQUENCY_CAP: '1/P1M' });
    expect(window).toBe(
      'SEND_WINDOW is not a send window: write HH:MM-HH:MM with optional days, e.g. "09:00-20:00", "09:00-20:00 mon-sat" or ' +
        '"22:00-06:00 mon,wed,fri", or "always" (example: SEND_WINDOW=09:00-20:00 mon-sat)',
    );
    expect(cap).toMatch(
      /^FREQUENCY_CAP has "1\/P1M" whose period must be an ISO-8601 duration .* \(example: FREQUENCY_CAP=1\/P1D,3\/P7D\)$/,
    );
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
      queue: { prefix: 'careprompt', attempts: 8, backoffMs: 2000, expireAfterMs: 48 * 3_600_000 },
      templatesDir: 'templates',
      logLevel: 'info',
    });
  });
});

describe('FHIR authentication settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'careprompt-config-'));
  const keyFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const key = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const pem = keyFile('key.pem', key.export({ format: 'pem', type: 'pkcs8' }).toString());
  const jwk = keyFile('key.json', JSON.stringify({ ...key.export({ format: 'jwk' }), kid: 'kid-1' }));
  const backend = { ...env, FHIR_AUTH: 'smart-backend', FHIR_CLIENT_ID: 'careprompt' };

  it('needs nothing by default, and ignores the variables of modes not chosen', () => {
    expect(loadConfig({ ...env, FHIR_TOKEN_URL: 'not a url', FHIR_PRIVATE_KEY_FILE: '/nowhere' }).fhir.auth).toEqual({ mode: 'none' });
  });

  it('names what each mode needs, with an example', () => {
    expect(problems({ ...env, FHIR_AUTH: 'bearer' })).toEqual([expect.stringMatching(/^FHIR_TOKEN is not set \(example: /)]);
    expect(problems({ ...env, FHIR_AUTH: 'client-credentials' })).toEqual([
      expect.stringMatching(/^FHIR_CLIENT_ID is not set \(example: FHIR_CLIENT_ID=/),
      expect.stringMatching(/^FHIR_CLIENT_SECRET is not set \(example: /),
    ]);
    expect(problems({ ...env, FHIR_AUTH: 'smart-backend' })).toEqual([
      expect.stringMatching(/^FHIR_CLIENT_ID is not set/),
      'FHIR_PRIVATE_KEY_FILE is not set (example: FHIR_PRIVATE_KEY_FILE=/etc/careprompt/keys/private-key.json)',
    ]);
    expect(problems({ ...env, FHIR_AUTH: 'oauth' })).toEqual([expect.stringMatching(/^FHIR_AUTH .*\(example: FHIR_AUTH=smart-backend\)$/)]);
    expect(problems({ ...backend, FHIR_PRIVATE_KEY_FILE: jwk, FHIR_TOKEN_URL: 'ftp://x', FHIR_SCOPES: 'a "b"' })).toEqual([
      expect.stringMatching(/^FHIR_SCOPES must be scopes separated by spaces/),
      expect.stringMatching(/^FHIR_TOKEN_URL must use http or https/),
    ]);
  });

  it('parses client-credentials with the default SMART v2 scopes, keeping the secret out of logs', () => {
    const config = loadConfig({ ...env, FHIR_AUTH: 'client-credentials', FHIR_CLIENT_ID: 'careprompt', FHIR_CLIENT_SECRET: 's3cr3t' });
    const auth = config.fhir.auth;

    expect(auth).toMatchObject({ mode: 'client-credentials', clientId: 'careprompt', scopes: DEFAULT_FHIR_SCOPES });
    expect(auth.mode === 'client-credentials' && auth.clientSecret.reveal()).toBe('s3cr3t');
    expect(JSON.stringify(config)).not.toContain('s3cr3t');
    expect(inspect(config, { depth: 10 })).not.toContain('s3cr3t');
    expect(DEFAULT_FHIR_SCOPES.split(' ')).toEqual([
      'system/Patient.rs',
      'system/Condition.rs',
      'system/Procedure.rs',
      'system/MedicationRequest.rs',
      'system/MedicationStatement.rs',
      'system/Observation.rs',
      'system/Encounter.rs',
      'system/Consent.rs',
      'system/Communication.rs',
      'system/Communication.c',
    ]);
  });

  it('reads the key of smart-backend, its kid from the JWK or FHIR_KEY_ID', () => {
    expect(loadConfig({ ...backend, FHIR_PRIVATE_KEY_FILE: jwk }).fhir.auth).toMatchObject({
      mode: 'smart-backend',
      signingKey: { algorithm: 'ES384', keyId: 'kid-1' },
    });
    expect(loadConfig({ ...backend, FHIR_PRIVATE_KEY_FILE: pem, FHIR_KEY_ID: 'kid-2' }).fhir.auth).toMatchObject({
      signingKey: { algorithm: 'ES384', keyId: 'kid-2' },
    });
    expect(
      loadConfig({ ...backend, FHIR_PRIVATE_KEY_FILE: jwk, FHIR_SCOPES: ' system/Patient.read  system/Communication.write ' }).fhir.auth,
    ).toMatchObject({
      scopes: 'system/Patient.read system/Communication.write',
    });
  });

  it('names the key file and what is wrong with it: missing, unreadable, not a key, no kid', () => {
    const example = '(example: FHIR_PRIVATE_KEY_FILE=/etc/careprompt/keys/private-key.json)';
    expect(problems({ ...backend, FHIR_PRIVATE_KEY_FILE: join(dir, 'missing.pem') })).toEqual([
      `FHIR_PRIVATE_KEY_FILE ${join(dir, 'missing.pem')} does not exist ${example}`,
    ]);
    expect(problems({ ...backend, FHIR_PRIVATE_KEY_FILE: dir })).toEqual([
      `FHIR_PRIVATE_KEY_FILE ${dir} is a folder, not a key file ${example}`,
    ]);
    const garbage = keyFile('garbage.pem', 'not a key');
    expect(problems({ ...backend, FHIR_PRIVATE_KEY_FILE: garbage })).toEqual([
      `FHIR_PRIVATE_KEY_FILE ${garbage} is neither a PEM private key nor JWK / JWKS JSON ${example}`,
    ]);
    expect(problems({ ...backend, FHIR_PRIVATE_KEY_FILE: pem })).toEqual([
      `FHIR_KEY_ID is not set and ${pem} holds no kid (example: FHIR_KEY_ID=the kid registered with the EHR)`,
    ]);
  });
});

describe('cliActor', () => {
  it('names the login running a command, or just the CLI when there is none', () => {
    expect(cliActor({ USER: 'dana' })).toBe('cli:dana');
    expect(cliActor({})).toBe('cli');
  });
});
