import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TesseraError, writeTextFileAtomically } from '@tessera/core';

/** One line of metrics.jsonl (see the metricsLog callback), as `readMetricsLog` returns it. */
export interface MetricsRecord {
  kind: 'step' | 'evaluation';
  step: number;
  loss: number;
  metrics?: Record<string, number>;
}

interface Point {
  step: number;
  value: number;
  series: string;
}

/** Reads metrics.jsonl, skipping a torn last line (a crash can cut the line being appended). */
export async function readMetricsLog(path: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TesseraError('E_REPORT_INPUT', `cannot read the metrics log ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const records: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // Only the final line can be torn; anything else is kept.
    }
  }
  return records;
}

/** A Vega-Lite line chart rendered to SVG headlessly (no browser or canvas). */
async function lineChartSvg(title: string, yTitle: string, points: Point[]): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const spec = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 260,
    data: { values: points },
    mark: { type: 'line', point: points.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export interface RunReport {
  /** The report page. */
  htmlPath: string;
  /** One SVG per chart: loss, then each evaluation metric. */
  svgPaths: string[];
}

/**
 * Writes `report/` in a run directory: `loss.svg` (training and evaluation loss by step), one SVG
 * per evaluation metric, and `index.html`, a self-contained page with the charts inlined, the
 * final values and the run's resolved config.
 */
export async function writeRunReport(runDirectory: string): Promise<RunReport> {
  // A resumed run re-logs the steps after its checkpoint: the last record for a step wins.
  const latest = new Map<string, MetricsRecord>();
  for (const record of await readMetricsLog(join(runDirectory, 'metrics.jsonl')))
    latest.set(`${record.kind}:${record.step}`, record);
  const records = [...latest.values()].sort((a, b) => a.step - b.step);
  const steps = records.filter((record) => record.kind === 'step');
  const evaluations = records.filter((record) => record.kind === 'evaluation');
  if (steps.length === 0) {
    throw new TesseraError('E_REPORT_INPUT', `${join(runDirectory, 'metrics.jsonl')} has no training steps to plot`);
  }
  const charts: Array<{ name: string; svg: string }> = [];
  const lossPoints: Point[] = [
    ...steps.map((record) => ({ step: record.step, value: record.loss, series: 'training' })),
    ...evaluations.map((record) => ({ step: record.step, value: record.loss, series: 'evaluation' })),
  ];
  charts.push({ name: 'loss', svg: await lineChartSvg('Loss', 'loss', lossPoints) });
  const metricNames = [...new Set(evaluations.flatMap((record) => Object.keys(record.metrics ?? {})))];
  for (const metric of metricNames) {
    const points = evaluations
      .filter((record) => record.metrics?.[metric] !== undefined)
      .map((record) => ({ step: record.step, value: record.metrics?.[metric] as number, series: 'evaluation' }));
    charts.push({ name: metric, svg: await lineChartSvg(metric, metric, points) });
  }

  const reportDirectory = join(runDirectory, 'report');
  await mkdir(reportDirectory, { recursive: true });
  const svgPaths: string[] = [];
  for (const chart of charts) {
    const path = join(reportDirectory, `${chart.name.replace(/[^\w.-]+/g, '_')}.svg`);
    await writeTextFileAtomically(path, chart.svg);
    svgPaths.push(path);
  }

  const lastStep = steps[steps.length - 1] as MetricsRecord;
  const lastEvaluation = evaluations[evaluations.length - 1];
  const finalRows: Array<[string, string]> = [
    ['optimizer steps', String(lastStep.step)],
    ['last training loss', lastStep.loss.toFixed(4)],
    ...(lastEvaluation === undefined
      ? []
      : ([
          ['evaluation loss', lastEvaluation.loss.toFixed(4)],
          ...Object.entries(lastEvaluation.metrics ?? {}).map(([name, value]): [string, string] => [
            name,
            value.toFixed(4),
          ]),
        ] as Array<[string, string]>)),
  ];
  const config = await readFile(join(runDirectory, 'config.json'), 'utf8').catch(() => undefined);
  const title = `Tessera run ${basename(runDirectory)}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 720px; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
td { padding: 0.25rem 1rem 0.25rem 0; border-bottom: 1px solid #ddd; }
td:last-child { font-variant-numeric: tabular-nums; text-align: right; }
pre { background: #f6f6f6; padding: 1rem; overflow-x: auto; }
figure { margin: 1.5rem 0; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<h2>Final values</h2>
<table>${finalRows.map(([name, value]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
<h2>Curves</h2>
${charts.map((chart) => `<figure>${chart.svg}</figure>`).join('\n')}
${config === undefined ? '' : `<h2>Configuration</h2>\n<pre>${escapeHtml(config)}</pre>`}
</body>
</html>
`;
  const htmlPath = join(reportDirectory, 'index.html');
  await writeTextFileAtomically(htmlPath, html);
  return { htmlPath, svgPaths };
}
