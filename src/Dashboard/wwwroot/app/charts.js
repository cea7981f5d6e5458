// Charts on canvas with ECharts (vendored from npm at build time). Each chart comes with a "Download CSV" button that
// saves the numbers it draws; the pages put a table with the same numbers beside each chart.
import { h, downloadCsv } from './dom.js';

const palette = ['#0b57d0', '#c5221f', '#188038', '#e37400', '#8430ce', '#007b83', '#b3261e', '#5f6368'];

/**
 * A chart block: title, CSV button, canvas. Returns { el, set(option, csvRows) } where csvRows is [header, ...rows].
 * id names the block for tests and the CSV file.
 */
export function chartBlock(id, title, { tall = false, description = '' } = {}) {
  const box = h('div.chart' + (tall ? '.tall' : ''), { id: `chart-${id}`, role: 'img', 'aria-label': `${title}. ${description} The table beside it has the same numbers.` });
  let rows = [['empty']];
  const button = h('button.secondary', { type: 'button', 'data-csv': id, onclick: () => downloadCsv(`${id}.csv`, rows) }, 'Download CSV');
  const el = h('div.chart-block', { dataset: { chart: id } }, h('div.toolbar', h('h3', title), button), box);
  let chart = null;
  const observer = new ResizeObserver(() => chart?.resize());
  observer.observe(box);
  return {
    el,
    set(option, csvRows) {
      rows = csvRows;
      if (typeof window.echarts === 'undefined') {
        box.replaceChildren(h('p.chart-missing', 'The chart library was not bundled with this build (run npm ci in src/Dashboard and rebuild); the table has the numbers.'));
        el.dataset.drawn = 'missing';
        return null;
      }
      chart ??= window.echarts.init(box, null, { renderer: 'canvas' });
      chart.setOption({ color: palette, animation: false, textStyle: { fontFamily: 'DejaVu Sans, sans-serif', color: '#1a1a1a' }, ...option }, true);
      el.dataset.drawn = String(Number(el.dataset.drawn ?? 0) + 1);
      return chart;
    },
    get chart() { return chart; },
    dispose() { observer.disconnect(); chart?.dispose(); },
  };
}

const axisText = { color: '#1a1a1a', fontSize: 13 };

/** Lines: series = [{name, points: [[x, y], ...]}]. */
export function lineOption(series, xName, yName) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0, textStyle: axisText },
    grid: { left: 60, right: 20, top: 40, bottom: 45 },
    xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 28, axisLabel: axisText, nameTextStyle: axisText, minInterval: 1 },
    yAxis: { type: 'value', name: yName, scale: true, axisLabel: axisText, nameTextStyle: axisText },
    series: series.map(s => ({ name: s.name, type: 'line', showSymbol: s.points.length < 60, data: s.points })),
  };
}

/** Grouped bars with error bars: categories on x, one series per group: {name, values: [{mean, std}]}. */
export function barsWithErrorsOption(categories, groups, yName) {
  const n = groups.length;
  const series = [];
  groups.forEach((g, gi) => {
    series.push({ name: g.name, type: 'bar', data: g.values.map(v => v?.mean ?? null), barMaxWidth: 40 });
    series.push({
      name: g.name, type: 'custom', z: 10, tooltip: { show: false },
      data: g.values.map((v, ci) => (v && v.mean !== null ? [ci, v.mean - (v.std ?? 0), v.mean + (v.std ?? 0)] : null)).filter(Boolean),
      renderItem(params, api) {
        const ci = api.value(0);
        const lo = api.coord([ci, api.value(1)]), hi = api.coord([ci, api.value(2)]);
        // Where ECharts puts bar gi of n in a category: 20 % category gap, 30 % gap between bars, bars at most 40 px wide.
        const band = api.size([1, 0])[0], usable = band * 0.8;
        const w = Math.min(40, usable / (n + 0.3 * (n - 1)));
        const total = n * w + (n - 1) * 0.3 * w;
        const x = lo[0] - total / 2 + gi * 1.3 * w + w / 2;
        const style = { stroke: '#111', lineWidth: 1.5 };
        return { type: 'group', children: [
          { type: 'line', shape: { x1: x, y1: lo[1], x2: x, y2: hi[1] }, style },
          { type: 'line', shape: { x1: x - 5, y1: lo[1], x2: x + 5, y2: lo[1] }, style },
          { type: 'line', shape: { x1: x - 5, y1: hi[1], x2: x + 5, y2: hi[1] }, style },
        ] };
      },
    });
  });
  // The axis spans the whiskers too, with a little room, so no error bar is cut off.
  const ends = groups.flatMap(g => g.values.filter(v => v && v.mean !== null).flatMap(v => [v.mean - (v.std ?? 0), v.mean + (v.std ?? 0)]));
  const lo = ends.length ? Math.min(...ends) : 0, hi = ends.length ? Math.max(...ends) : 1, pad = (hi - lo || 1) * 0.08;
  const round = v => +v.toPrecision(3);
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, textStyle: axisText, data: groups.map(g => g.name) },
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: categories, axisLabel: axisText },
    yAxis: { type: 'value', name: yName, min: round(lo - pad), max: round(hi + pad), axisLabel: axisText, nameTextStyle: axisText },
    series,
  };
}

/** Parallel coordinates: dims = [{name, categories?}], rows = arrays in dims order (the last dim is the metric). */
export function parallelOption(dims, rows, higherIsBetter) {
  const metricIndex = dims.length - 1;
  const values = rows.map(r => r[metricIndex]).filter(v => typeof v === 'number');
  const min = values.length ? Math.min(...values) : 0, max = values.length ? Math.max(...values) : 1;
  return {
    parallelAxis: dims.map((d, i) => ({
      dim: i, name: d.name, nameTextStyle: axisText, axisLabel: axisText,
      ...(d.categories ? { type: 'category', data: d.categories } : { scale: true }),
    })),
    parallel: { left: 70, right: 140, top: 50, bottom: 30 },
    visualMap: {
      show: true, dimension: metricIndex, min, max: max === min ? min + 1e-9 : max, calculable: true, right: 10, top: 'middle', precision: 3,
      inRange: { color: higherIsBetter ? ['#d7dbe0', '#0b57d0'] : ['#0b57d0', '#d7dbe0'] }, textStyle: axisText,
    },
    series: [{ type: 'parallel', lineStyle: { width: 1, opacity: rows.length > 2000 ? 0.25 : 0.6 }, data: rows, progressive: 2000, progressiveThreshold: 3000 }],
  };
}

/** Confusion matrix heatmap: matrix[ref][pred]. */
export function heatmapOption(classes, matrix) {
  const data = [];
  let max = 1;
  matrix.forEach((row, r) => row.forEach((v, p) => { data.push([p, r, v]); max = Math.max(max, v); }));
  return {
    tooltip: { formatter: p => `reference ${classes[p.value[1]]}, predicted ${classes[p.value[0]]}: ${p.value[2]}` },
    grid: { left: 90, right: 20, top: 20, bottom: 60 },
    xAxis: { type: 'category', data: classes, name: 'predicted', nameLocation: 'middle', nameGap: 30, axisLabel: axisText, nameTextStyle: axisText },
    yAxis: { type: 'category', data: classes, name: 'reference', inverse: true, axisLabel: axisText, nameTextStyle: axisText },
    visualMap: { min: 0, max, show: false, inRange: { color: ['#f4f7fd', '#0b3d91'] } },
    series: [{ type: 'heatmap', data, label: { show: true, fontSize: 14, color: '#000', backgroundColor: 'rgba(255,255,255,0.75)', padding: 2 } }],
  };
}

/** One utterance: bars per class for reference, prediction and the two experts. */
export function distributionOption(classes, series) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: { ...axisText, fontSize: 12 } },
    grid: { left: 40, right: 10, top: 50, bottom: 25 },
    xAxis: { type: 'category', data: classes, axisLabel: axisText },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: axisText },
    series: series.map(s => ({ name: s.name, type: 'bar', data: s.values })),
  };
}
