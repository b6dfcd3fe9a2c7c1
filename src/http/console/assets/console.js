// careprompt console: the few behaviours plain HTML lacks. Every page works without this file; it only adds
// validation as you type and "select all" for bulk review.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

// <textarea data-validate="/api/…/validate" data-errors="id" data-status="id">: as the user pauses, POSTs the text
// to the API's validate endpoint and lists its problems per field (with the line) in the data-errors list; the
// data-status element (an aria-live region) says how many there are.
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
    const answer = await response.json();
    const problems = response.ok ? answer.errors : (answer.errors ?? [{ field: '', message: answer.detail }]);
    list.replaceChildren(
      ...problems.map((problem) => {
        const item = document.createElement('li');
        const where = [problem.line && `line ${problem.line}`, problem.field].filter(Boolean).join(', ');
        item.textContent = where ? `${where}: ${problem.message}` : problem.message;
        return item;
      }),
    );
    textarea.setAttribute('aria-invalid', problems.length > 0 ? 'true' : 'false');
    status.textContent = problems.length > 0 ? `${problems.length} problem(s) found` : 'No problems found';
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

for (const textarea of document.querySelectorAll('textarea[data-validate]')) validateAsYouType(textarea);
for (const box of document.querySelectorAll('input[data-select-all]')) selectAll(box);
