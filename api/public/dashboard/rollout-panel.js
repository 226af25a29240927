// Rollout panel of the dashboard: the production version, the active or latest rollout with its
// arms, the canary gates, the A/B test or the shadow agreement, and the latest log entries,
// read from GET /v1/rollout every two seconds.

const panel = document.getElementById('rollout');
const percent = (value) => (value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)}%`);
const ms = (value) => (value === null || value === undefined ? '-' : value.toFixed(1));

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function armTable(arms) {
  const table = element('table', undefined, 'rollout-arms');
  const head = table.insertRow();
  for (const title of ['arm', 'version', 'requests', 'errors', 'labelled', 'accuracy', 'p99 ms']) head.appendChild(element('th', title));
  for (const arm of arms) {
    const row = table.insertRow();
    for (const value of [arm.role, arm.modelVersion, arm.requests, arm.errors, arm.labelled, percent(arm.accuracy), ms(arm.p99LatencyMs)]) row.insertCell().textContent = String(value);
  }
  return table;
}

function render(status) {
  const parts = [element('p', `production ${status.productionVersion ?? '-'}, serving ${status.servingVersion ?? '-'}`)];
  const rollout = status.rollout;
  if (!rollout) {
    parts.push(element('p', 'No rollout has run yet. Start one with npm run models -- shadow VERSION.', 'muted'));
  } else {
    const share = rollout.kind === 'shadow' ? '' : `, ${rollout.percent}% of users`;
    parts.push(element('p', `rollout ${rollout.id}: ${rollout.kind} of ${rollout.candidateVersion}${share}, ${rollout.status}${rollout.endReason ? ` (${rollout.endReason})` : ''}`));
    parts.push(armTable(status.arms));
    if (status.gates) {
      parts.push(element('p', `gates: ${status.gates.decision}`));
      const list = element('ul');
      for (const check of status.gates.checks) list.appendChild(element('li', `${check.gate} ${check.status}: ${check.reason}`));
      parts.push(list);
    }
    if (status.experiment) parts.push(element('p', `A/B: B - A = ${percent(status.experiment.difference)}, p = ${status.experiment.pValue.toFixed(4)}${status.experiment.significant ? `, ${status.experiment.better} is better` : ', no significant difference'}`));
    if (status.shadow) parts.push(element('p', `shadow: ${status.shadow.compared} copies, agreement ${percent(status.shadow.agreement)}, ${status.shadow.failed} failed`));
  }
  const log = element('ul', undefined, 'muted');
  for (const event of status.events.slice(0, 5)) log.appendChild(element('li', `${event.createdAt} ${event.message}`));
  parts.push(log);
  panel.replaceChildren(...parts);
}

async function refresh() {
  try {
    const response = await fetch('/v1/rollout');
    if (!response.ok) throw new Error(`GET /v1/rollout returned status ${response.status}`);
    render(await response.json());
  } catch (error) {
    panel.replaceChildren(element('p', `Cannot load the rollout state: ${error.message}. Retrying.`, 'error'));
  }
}

await refresh();
setInterval(refresh, 2000);
