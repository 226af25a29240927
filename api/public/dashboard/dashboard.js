// The monitoring dashboard: polls the monitoring API and redraws plain SVG charts. Add
// ?refresh=<ms> to the URL to change the polling interval (default 2000 ms).

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 420;
const HEIGHT = 150;
const MARGIN = { top: 10, right: 10, bottom: 20, left: 38 };
/** -log10 of p-values is capped here so that a p-value of 0 still fits the chart. */
const MAX_LOG_P = 20;
const COLORS = ['#2f6fdf', '#e07b00', '#7b3fbf', '#1f8a4c'];

const refreshMs = Number(new URLSearchParams(location.search).get('refresh')) || 2000;

function element(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeLabel(iso) {
  return new Date(iso).toISOString().slice(11, 19);
}

/**
 * Draws a line chart into `container`. Each series has `points` ({x, y}, y null for a gap) and
 * an optional `band` ({x, low, high}); `lines` are horizontal reference lines ({y, className}).
 */
function drawChart(container, { series, lines = [], xLabels, yMin, yMax, markers = [] }) {
  const svg = element('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img' });
  const values = [...series.flatMap((s) => s.points.map((p) => p.y)), ...series.flatMap((s) => (s.band ?? []).flatMap((b) => [b.low, b.high])), ...lines.map((l) => l.y)].filter((v) => v !== null && Number.isFinite(v));
  const low = yMin ?? Math.min(0, ...values);
  let high = yMax ?? Math.max(...values, low + 1e-9);
  if (high === low) high = low + 1;
  const count = Math.max(xLabels.length, 1);
  const x = (index) => MARGIN.left + (count === 1 ? 0.5 : index / (count - 1)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value) => HEIGHT - MARGIN.bottom - ((Math.min(Math.max(value, low), high) - low) / (high - low)) * (HEIGHT - MARGIN.top - MARGIN.bottom);

  svg.append(element('line', { class: 'axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: HEIGHT - MARGIN.bottom, y2: HEIGHT - MARGIN.bottom }));
  svg.append(element('line', { class: 'axis', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }));
  for (const value of [low, (low + high) / 2, high]) {
    svg.append(element('text', { class: 'tick', x: MARGIN.left - 4, y: y(value) + 3, 'text-anchor': 'end' }, formatTick(value)));
  }
  if (xLabels.length > 0) {
    svg.append(element('text', { class: 'tick', x: x(0), y: HEIGHT - 5, 'text-anchor': 'start' }, xLabels[0]));
    if (xLabels.length > 1) svg.append(element('text', { class: 'tick', x: x(xLabels.length - 1), y: HEIGHT - 5, 'text-anchor': 'end' }, xLabels[xLabels.length - 1]));
  }

  for (const line of lines) {
    svg.append(element('line', { class: line.className, x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(line.y), y2: y(line.y), 'data-value': line.y }));
  }
  series.forEach((s, index) => {
    const color = s.color ?? COLORS[index % COLORS.length];
    if (s.band && s.band.length > 0) {
      const upper = s.band.map((b) => `${x(b.x)},${y(b.high)}`);
      const lower = s.band.map((b) => `${x(b.x)},${y(b.low)}`).reverse();
      svg.append(element('polygon', { points: [...upper, ...lower].join(' '), fill: color, 'fill-opacity': 0.15, 'data-series': `${s.name} interval` }));
    }
    let path = '';
    let open = false;
    for (const point of s.points) {
      if (point.y === null || !Number.isFinite(point.y)) {
        open = false;
        continue;
      }
      path += `${open ? 'L' : 'M'}${x(point.x).toFixed(1)},${y(point.y).toFixed(1)} `;
      open = true;
    }
    svg.append(element('path', { d: path.trim(), stroke: color, 'stroke-width': 1.6, fill: 'none', 'data-series': s.name, 'data-points': s.points.filter((p) => p.y !== null).length }));
    for (const point of s.points) {
      if (point.y === null || !Number.isFinite(point.y)) continue;
      const marked = markers.includes(point.x);
      svg.append(element('circle', { cx: x(point.x), cy: y(point.y), r: marked ? 3 : 1.8, fill: marked ? '#c0392b' : color }));
    }
    svg.append(element('text', { class: 'series-key', x: MARGIN.left + 6 + index * 100, y: MARGIN.top + 8, fill: color }, s.name));
  });
  container.replaceChildren(svg);
}

function formatTick(value) {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(1);
  return value.toFixed(2);
}

function drawTraffic(windows, labels) {
  drawChart(document.getElementById('chart-traffic'), {
    xLabels: labels,
    series: [
      { name: 'predictions/s', points: windows.map((w, i) => ({ x: i, y: w.traffic.predictionsPerSecond })) },
      { name: 'error rate %', points: windows.map((w, i) => ({ x: i, y: 100 * w.traffic.errorRate })) },
    ],
  });
}

function drawLatency(windows, labels) {
  drawChart(document.getElementById('chart-latency'), {
    xLabels: labels,
    series: ['p50', 'p95', 'p99'].map((name) => ({ name, points: windows.map((w, i) => ({ x: i, y: w.latencyMs[name] })) })),
  });
}

function drawAccuracy(windows, labels) {
  const reference = windows.at(-1)?.performance.referenceAccuracy;
  drawChart(document.getElementById('chart-accuracy'), {
    xLabels: labels,
    yMin: 0,
    yMax: 1,
    lines: reference === undefined ? [] : [{ y: reference, className: 'reference' }],
    series: [
      {
        name: 'feedback',
        points: windows.map((w, i) => ({ x: i, y: w.performance.accuracy?.value ?? null })),
        band: windows.flatMap((w, i) => (w.performance.accuracy ? [{ x: i, low: w.performance.accuracy.lower, high: w.performance.accuracy.upper }] : [])),
      },
      { name: 'estimated', points: windows.map((w, i) => ({ x: i, y: w.performance.estimatedAccuracy })) },
    ],
  });
}

function drawFeedback(windows, labels) {
  drawChart(document.getElementById('chart-feedback'), {
    xLabels: labels,
    series: [
      { name: 'right', color: '#1f8a4c', points: windows.map((w, i) => ({ x: i, y: w.performance.feedback.correct })) },
      { name: 'wrong', color: '#c0392b', points: windows.map((w, i) => ({ x: i, y: w.performance.feedback.incorrect })) },
    ],
  });
}

/** Value drawn for a test: -log10(p) for p-value tests, the statistic otherwise; null when skipped. */
function plotted(test) {
  if (!test || test.skipped) return null;
  if (test.thresholdOn === 'pValue') return Math.min(MAX_LOG_P, -Math.log10(Math.max(test.pValue, 1e-300)));
  return test.statistic;
}

function drawDriftTests(windows, labels) {
  const container = document.getElementById('drift-tests');
  const latest = windows.at(-1);
  const figures = (latest?.drift.tests ?? []).map((latestTest) => {
    const figure = document.createElement('figure');
    figure.dataset.test = latestTest.name;
    figure.dataset.drifted = String(latestTest.drifted);
    const caption = document.createElement('figcaption');
    let value = `${latestTest.statistic?.toFixed(3)} (threshold ${latestTest.threshold})`;
    if (latestTest.skipped) value = 'skipped';
    else if (latestTest.thresholdOn === 'pValue') value = `p=${latestTest.pValue.toExponential(1)} (threshold ${latestTest.threshold})`;
    caption.append(`${latestTest.name} `);
    const valueSpan = document.createElement('span');
    valueSpan.className = 'value';
    valueSpan.textContent = value;
    caption.append(valueSpan);
    const chart = document.createElement('div');
    const tests = windows.map((w) => w.drift.tests.find((t) => t.name === latestTest.name));
    const threshold = latestTest.thresholdOn === 'pValue' ? -Math.log10(latestTest.threshold) : latestTest.threshold;
    drawChart(chart, {
      xLabels: labels,
      lines: [{ y: threshold, className: 'threshold' }],
      series: [{ name: latestTest.thresholdOn === 'pValue' ? '-log10 p' : 'statistic', points: tests.map((test, i) => ({ x: i, y: plotted(test) })) }],
      markers: tests.flatMap((test, i) => (test?.drifted ? [i] : [])),
    });
    figure.append(caption, chart);
    return figure;
  });
  container.replaceChildren(...figures);
}

function drawClassMix(latest) {
  const container = document.getElementById('class-mix');
  if (!latest) {
    container.replaceChildren();
    return;
  }
  const { classNames, observed, expected } = latest.classMix;
  const max = Math.max(...observed, ...(expected ?? []), 0.01);
  const rows = classNames.map((name, c) => {
    const row = document.createElement('div');
    row.className = 'class-mix-row';
    row.dataset.label = name;
    const label = document.createElement('span');
    label.textContent = name;
    const bars = document.createElement('span');
    bars.className = 'class-mix-bars';
    const observedBar = document.createElement('span');
    observedBar.className = 'observed';
    observedBar.style.width = `${((observed[c] / max) * 100).toFixed(1)}%`;
    bars.append(observedBar);
    if (expected) {
      const expectedBar = document.createElement('span');
      expectedBar.className = 'expected';
      expectedBar.style.width = `${((expected[c] / max) * 100).toFixed(1)}%`;
      bars.append(expectedBar);
    }
    const share = document.createElement('span');
    share.textContent = `${(observed[c] * 100).toFixed(1)}%`;
    row.append(label, bars, share);
    return row;
  });
  container.replaceChildren(...rows);
}

async function fetchJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} returned status ${response.status}`);
  return response.json();
}

async function refresh() {
  try {
    const [summary, { windows }] = await Promise.all([fetchJson('/v1/monitoring/summary'), fetchJson('/v1/monitoring/windows?limit=200')]);
    const labels = windows.map((w) => timeLabel(w.endedAt));
    const state = document.getElementById('state');
    state.textContent = summary.state;
    state.dataset.state = summary.state;
    document.getElementById('model-version').textContent = summary.modelVersion ?? '-';
    document.getElementById('window-count').textContent = String(windows.length);
    document.getElementById('baseline-status').textContent = summary.baseline?.status ?? '-';
    document.getElementById('last-updated').textContent = new Date().toLocaleTimeString();
    document.getElementById('empty').hidden = windows.length > 0;
    const drifted = summary.drift.tests.filter((t) => t.drifted).map((t) => t.name);
    const driftedNote = document.getElementById('drifted');
    driftedNote.hidden = drifted.length === 0;
    driftedNote.textContent = `Drifted in the latest window: ${drifted.join(', ')}`;

    drawTraffic(windows, labels);
    drawLatency(windows, labels);
    drawAccuracy(windows, labels);
    drawFeedback(windows, labels);
    drawDriftTests(windows, labels);
    drawClassMix(windows.at(-1));
    document.getElementById('error').hidden = true;
    document.body.dataset.windows = String(windows.length);
  } catch (error) {
    const message = document.getElementById('error');
    message.textContent = `Cannot load the monitoring data: ${error.message}. Retrying.`;
    message.hidden = false;
  }
}

await refresh();
setInterval(refresh, refreshMs);
