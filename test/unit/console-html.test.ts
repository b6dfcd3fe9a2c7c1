import { describe, expect, it } from 'vitest';
import { evidenceFacts } from '../../src/http/console/evidence-view.ts';
import { list, parseForm } from '../../src/http/console/form.ts';
import { html } from '../../src/http/console/html.ts';
import { page } from '../../src/http/console/layout.ts';

describe('console HTML', () => {
  it('escapes every interpolated value that is not itself html', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>',
    );
  });

  it('keeps nested html, joins lists and prints nothing for absent values', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>${undefined}${null}${false}${0}`.text).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('frames a page with a skip link, landmarks, the role’s navigation and a live notice', () => {
    const text = page({
      title: 'Review queue',
      body: html`<p>body</p>`,
      viewer: { email: 'dr@example.org', role: 'clinician' },
      csrfToken: 'tok"en',
      section: 'review',
      notice: { kind: 'ok', text: 'Approved 2 prompts' },
    }).text;
    expect(text).toContain('<a class="skip-link" href="#main">');
    expect(text).toContain('<main id="main" tabindex="-1">');
    expect(text).toContain('<meta name="csrf-token" content="tok&quot;en">');
    expect(text).toContain('<a href="/console/review" aria-current="page">Review queue</a>');
    expect(text).toContain('<a href="/console/outreach">Outreach</a>');
    expect(text).not.toContain('/console/admin/audit');
    expect(text).not.toContain('/console/admin/users');
    expect(text).toMatch(/role="status" aria-live="polite"><p class="notice ok">Approved 2 prompts<\/p>/);
  });

  it('shows no navigation or account before login', () => {
    const text = page({ title: 'Sign in', body: html`<form></form>` }).text;
    expect(text).not.toContain('<nav');
    expect(text).not.toContain('Sign out');
  });
});

describe('console forms', () => {
  it('parses url-encoded bodies, a repeated name into a list', () => {
    expect(parseForm('_csrf=t%2Bk&id=a&id=b&note=two+words&empty=')).toEqual({
      _csrf: 't+k',
      id: ['a', 'b'],
      note: 'two words',
      empty: '',
    });
    expect(list(undefined)).toEqual([]);
    expect(list('a')).toEqual(['a']);
    expect(list(['a', 'b'])).toEqual(['a', 'b']);
  });
});

describe('the evidence a clinician reads', () => {
  it('shows each criterion, in words whether it held, what decided it, and the value sets with their versions', () => {
    const text = evidenceFacts({
      trigger: { reference: 'Condition/7', status: 'active', date: '2024-03-02', lastUpdated: null, codings: [] },
      decidedAt: '2026-11-30T12:00:00.000Z',
      criteria: {
        when: {
          criterion: 'all of',
          held: false,
          because: '1 of 2 held',
          children: [
            { criterion: 'age 18+', held: true, because: 'age 54' },
            {
              criterion: 'lacks Observation http://loinc.org|4548-4, within P180D',
              held: false,
              because: 'found Observation/12 (2026-10-01)',
            },
          ],
        },
        exclude: [{ criterion: 'has Procedure value set urn:x:hospice', held: false, because: 'none found', reason: 'hospice care' }],
      },
      valueSets: [{ url: 'urn:x:hospice', version: '2026-12-01', source: 'file' }],
    }).text;
    expect(text).toContain('<strong>When</strong>: all of — <em>did not hold</em> <span class="hint">1 of 2 held</span>');
    expect(text).toContain('age 18+ — <em>held</em> <span class="hint">age 54</span>');
    expect(text).toContain('<strong>Exclude (hospice care)</strong>: has Procedure value set urn:x:hospice — <em>did not hold</em>');
    expect(text).toContain('urn:x:hospice <span class="hint">version 2026-12-01, from a local file</span>');
  });

  it('leaves the criteria out for a campaign without any, and survives a malformed tree', () => {
    const plain = evidenceFacts({ trigger: { reference: 'Procedure/1', codings: [] } }).text;
    expect(plain).toContain('<dt>Criteria</dt><dd>–</dd>');
    const malformed = evidenceFacts({ trigger: { reference: 'Procedure/1', codings: [] }, criteria: { when: 'held' } }).text;
    expect(malformed).toContain('Procedure/1');
    expect(malformed).toContain('<dt>Criteria</dt><dd>–</dd>');
  });
});
