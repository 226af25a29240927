import type { RolloutStatus } from '../../core/lifecycle/rollout-status.js';

/** Renders a rollout status as the plain-text report of `npm run models -- status`. */
export function formatRolloutStatus(status: RolloutStatus, classNames: string[] = []): string {
  const lines = [`production ${status.productionVersion ?? '-'}`];
  const rollout = status.rollout;
  if (!rollout) return `${lines.join('\n')}\nno rollout has run yet\n`;

  lines.push(
    `rollout ${rollout.id}: ${rollout.kind} of ${rollout.candidateVersion}, ${rollout.status}${rollout.kind === 'shadow' ? '' : `, ${rollout.percent}% of users`}${rollout.automatic ? ', automatic' : ''}`,
    `started ${rollout.startedAt}${rollout.endedAt ? `, ended ${rollout.endedAt}: ${rollout.endReason}` : ''}`,
    '',
    ['arm'.padEnd(10), 'version', 'requests'.padStart(9), 'errors'.padStart(7), 'labelled'.padStart(9), 'accuracy'.padStart(9), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7)].join(' '),
  );
  for (const arm of status.arms) {
    lines.push(
      [
        arm.role.padEnd(10),
        arm.modelVersion.padEnd(7),
        String(arm.requests).padStart(9),
        String(arm.errors).padStart(7),
        String(arm.labelled).padStart(9),
        (arm.accuracy === null ? '-' : arm.accuracy.toFixed(4)).padStart(9),
        formatMs(arm.p50LatencyMs).padStart(7),
        formatMs(arm.p99LatencyMs).padStart(7),
      ].join(' '),
    );
  }

  if (status.gates) {
    lines.push('', `gates: ${status.gates.decision}`);
    for (const check of status.gates.checks) lines.push(`  ${check.gate.padEnd(12)} ${check.status.padEnd(8)} ${check.reason}`);
  }
  if (status.experiment) {
    const experiment = status.experiment;
    lines.push(
      '',
      `A/B test (pooled two-sided z-test): B - A = ${experiment.difference.toFixed(4)}, z = ${experiment.z.toFixed(3)}, p = ${experiment.pValue.toFixed(4)}`,
      experiment.significant ? `  ${experiment.better} is more accurate at alpha ${experiment.alpha}` : `  no significant difference at alpha ${experiment.alpha}`,
    );
  }
  if (status.shadow) {
    const shadow = status.shadow;
    lines.push(
      '',
      `shadow: ${shadow.compared} copies, ${shadow.failed} failed or timed out, agreement ${shadow.agreement === null ? '-' : shadow.agreement.toFixed(4)}`,
      `  latency ms: production p50 ${formatMs(shadow.productionLatencyMs.p50)} p99 ${formatMs(shadow.productionLatencyMs.p99)}, shadow call p50 ${formatMs(shadow.candidateLatencyMs.p50)} p99 ${formatMs(shadow.candidateLatencyMs.p99)}`,
    );
    for (const entry of shadow.perClass) {
      lines.push(`  ${(classNames[entry.classIndex] ?? String(entry.classIndex)).padEnd(12)} ${entry.disagreed}/${entry.answered} disagree`);
    }
  }

  if (status.events.length) {
    lines.push('', 'log (newest first):');
    for (const event of status.events.slice(0, 10)) lines.push(`  ${event.createdAt}  ${event.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatMs(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}
