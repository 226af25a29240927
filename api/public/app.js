// The snapclass web page: uploads one image to POST /v1/predictions, shows the top classes and
// sends feedback to POST /v1/predictions/:id/feedback. Plain browser JavaScript, no build step.

const elements = Object.fromEntries(
  [
    'drop-zone', 'file-input', 'error', 'busy', 'result', 'preview', 'label', 'model-version', 'prediction-id', 'top-k',
    'warnings', 'mark-correct', 'mark-incorrect', 'correction', 'correct-label', 'send-correction', 'feedback-status',
  ].map((id) => [id, document.getElementById(id)]),
);

let current = null;
const userId = loadUserId();

elements['file-input'].addEventListener('change', () => {
  const file = elements['file-input'].files[0];
  if (file) classify(file);
});

const dropZone = elements['drop-zone'];
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  const file = event.dataTransfer.files[0];
  if (file) classify(file);
});

elements['mark-correct'].addEventListener('click', () => sendFeedback({ verdict: 'correct' }));
elements['mark-incorrect'].addEventListener('click', () => {
  elements['correction'].hidden = false;
  elements['correct-label'].focus();
});
elements['send-correction'].addEventListener('click', () => sendFeedback({ verdict: 'incorrect', label: elements['correct-label'].value }));

async function classify(file) {
  showError(null);
  elements['result'].hidden = true;
  elements['busy'].hidden = false;
  try {
    const form = new FormData();
    form.append('image', file, file.name);
    form.append('source', 'web');
    form.append('userId', userId);
    const prediction = await callApi('/v1/predictions', { method: 'POST', body: form });
    current = prediction;
    await showPrediction(prediction, file);
  } catch (error) {
    showError(error.message);
  } finally {
    elements['busy'].hidden = true;
  }
}

async function showPrediction(prediction, file) {
  elements['preview'].src = URL.createObjectURL(file);
  elements['label'].textContent = prediction.label;
  elements['model-version'].textContent = prediction.modelVersion;
  elements['prediction-id'].textContent = prediction.id;

  elements['top-k'].replaceChildren(
    ...prediction.topK.map((entry) => {
      const item = document.createElement('li');
      const percent = (entry.probability * 100).toFixed(1);
      item.dataset.label = entry.label;
      item.append(`${entry.label}: ${percent}%`);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${percent}%`;
      item.append(bar);
      return item;
    }),
  );
  elements['warnings'].replaceChildren(
    ...prediction.warnings.map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }),
  );

  const classNames = await loadClassNames(prediction.modelVersion);
  elements['correct-label'].replaceChildren(
    ...classNames
      .filter((name) => name !== prediction.label)
      .map((name) => {
        const option = document.createElement('option');
        option.value = name;
        option.textContent = name;
        return option;
      }),
  );
  elements['correction'].hidden = true;
  elements['feedback-status'].textContent = '';
  elements['result'].hidden = false;
}

async function sendFeedback(body) {
  if (!current) return;
  showError(null);
  try {
    const stored = await callApi(`/v1/predictions/${encodeURIComponent(current.id)}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, source: 'web', userId }),
    });
    elements['feedback-status'].textContent =
      stored.verdict === 'correct' ? 'Thanks: marked as right.' : `Thanks: marked as wrong, the right class is ${stored.label}.`;
  } catch (error) {
    showError(error.message);
  }
}

const classNamesByVersion = new Map();

async function loadClassNames(modelVersion) {
  if (!classNamesByVersion.has(modelVersion)) {
    const { models } = await callApi('/v1/models');
    for (const model of models) classNamesByVersion.set(model.version, model.classNames ?? []);
  }
  return classNamesByVersion.get(modelVersion) ?? [];
}

/** Calls the API and returns its JSON, or throws an Error whose message a person can read. */
async function callApi(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new Error(`The service cannot be reached (${error.message}). Check that it is running and try again.`);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body?.error?.message ?? `The service responded with HTTP ${response.status}.`;
    throw new Error(`${message} (HTTP ${response.status}${body?.error?.code ? `, ${body.error.code}` : ''})`);
  }
  return body;
}

function showError(message) {
  elements['error'].textContent = message ?? '';
  elements['error'].hidden = message === null;
}

/** Returns a random id kept in this browser, so that a repeated verdict replaces the earlier one. */
function loadUserId() {
  const key = 'snapclass-user-id';
  let id = localStorage.getItem(key);
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
  }
  return id;
}
