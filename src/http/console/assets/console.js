// careprompt console: the few behaviours plain HTML lacks. Every page works without this file; it only adds
// validation as you type, "select all" for bulk review and a busy indicator for long form submissions.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

// <textarea data-validate="/url" aria-describedby="…-errors">: POSTs the text as the user pauses and lists the
// problems per field in the element named by data-errors (an aria-live region).
function validateAsYouType(textarea) {
  const list = document.getElementById(textarea.dataset.errors);
  const status = document.getElementById(textarea.dataset.status);
  let timer;
  let latest = 0;
  const check = async () => {
    const request = ++latest;
    const response = await fetch(textarea.dataset.validate, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify({ yaml: textarea.value }),
      credentials: 'same-origin',
    });
    if (request !== latest) return;
    const problems = response.ok
      ? ((await response.json()).problems ?? [])
      : [{ field: '', message: `validation failed (${response.status})` }];
    list.replaceChildren(
      ...problems.map((problem) => {
        const item = document.createElement('li');
        item.textContent = problem.field ? `${problem.field}: ${problem.message}` : problem.message;
        return item;
      }),
    );
    textarea.setAttribute('aria-invalid', problems.length > 0 ? 'true' : 'false');
    if (status) status.textContent = problems.length > 0 ? `${problems.length} problem(s)` : 'No problems found';
  };
  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => check().catch(() => undefined), 400);
  });
}

// <input type=checkbox data-select-all="name">: ticks or clears every checkbox of that name in its form.
function selectAll(box) {
  box.addEventListener('change', () => {
    for (const other of box.form.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) other.checked = box.checked;
  });
}

// <form data-busy>: on submit, disables its buttons and shows its [data-progress] element (with role=status).
function busyOnSubmit(form) {
  form.addEventListener('submit', () => {
    const progress = form.querySelector('[data-progress]');
    if (progress) progress.hidden = false;
    // After the submission has read the button's name and value.
    setTimeout(() => {
      for (const button of form.querySelectorAll('button')) button.disabled = true;
    });
  });
}

for (const textarea of document.querySelectorAll('textarea[data-validate]')) validateAsYouType(textarea);
for (const box of document.querySelectorAll('input[data-select-all]')) selectAll(box);
for (const form of document.querySelectorAll('form[data-busy]')) busyOnSubmit(form);
