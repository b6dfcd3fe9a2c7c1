import { describe, expect, it } from 'vitest';
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
