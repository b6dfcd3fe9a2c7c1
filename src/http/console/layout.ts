/**
 * The frame of every console page: a skip link, the header with the navigation the viewer's role may use, the
 * page's notice in a live region, and `main`. Pages give a title and a body; nothing else is shared.
 */
import { CSRF_FIELD } from '../auth.ts';
import { type Html, html } from './html.ts';
import { CONSOLE_ASSETS, navFor, type Section } from './nav.ts';

export interface Viewer {
  email: string;
  role: string;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export interface PageOptions {
  title: string;
  body: Html;
  /** Absent on the login page. */
  viewer?: Viewer;
  /** The session's CSRF token: in a meta tag for the script's requests, and in the logout form. */
  csrfToken?: string;
  /** The navigation entry the page belongs to. */
  section?: Section;
  notice?: Notice;
}

export function page(options: PageOptions): Html {
  const { title, body, viewer, csrfToken, section, notice } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${csrfToken && html`<meta name="csrf-token" content="${csrfToken}">`}
<title>${title} · careprompt</title>
<link rel="stylesheet" href="${CONSOLE_ASSETS}/console.css">
<script type="module" src="${CONSOLE_ASSETS}/console.js"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site">
<a class="brand" href="/console">careprompt</a>
${viewer && navigation(viewer, section)}
${viewer && csrfToken && account(viewer, csrfToken)}
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
<div id="notice" role="status" aria-live="polite">${notice && html`<p class="notice ${notice.kind}">${notice.text}</p>`}</div>
${body}
</main>
</body>
</html>`;
}

function navigation(viewer: Viewer, current: Section | undefined): Html {
  const items = navFor(viewer.role).map(
    (item) => html`<li><a href="${item.href}"${item.section === current ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
  );
  return html`<nav aria-label="Console"><ul>${items}</ul></nav>`;
}

function account(viewer: Viewer, csrfToken: string): Html {
  return html`<div class="account"><span>${viewer.email} <span class="status">${viewer.role.replace('_', ' ')}</span></span>
<form method="post" action="/console/logout">${csrfField(csrfToken)}<button type="submit">Sign out</button></form></div>`;
}

/** The hidden field every console form carries. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}
