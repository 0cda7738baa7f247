import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `tessera train` run as a user runs it: the built executable on a CSV and a YAML config. */

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');
let directory: string;

function config(name: string, maxSteps: number): string {
  return `name: ${name}
seed: 3
data: { kind: csv-classification, path: circle.csv, labelColumn: label, batchSize: 16 }
model: { kind: mlp, hiddenSizes: [32, 32], dropout: 0.1 }
optimizer: { kind: adamw, learningRate: 0.01 }
schedule: { kind: cosine, warmupSteps: 10, minimumFactor: 0.1 }
training: { maxSteps: ${maxSteps}, evaluateEvery: 100, clipGradientNorm: 1.0 }
`;
}

// The interrupt/resume contract is backend-independent; pin the embedded default so the exact
// weight comparison and the timing of the interrupt don't depend on which backends are installed.
function tessera(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: directory,
    encoding: 'utf8',
    env: { ...process.env, TESSERA_BACKEND: 'wasm' },
  });
}

async function stepsLogged(run: string): Promise<number> {
  const text = await readFile(join(directory, 'runs', run, 'metrics.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes('"kind":"step"')).length;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  const rows = ['x,y,label'];
  let state = 7;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  for (let i = 0; i < 400; i++) {
    const x = random() * 2 - 1;
    const y = random() * 2 - 1;
    rows.push(`${x.toFixed(4)},${y.toFixed(4)},${x * x + y * y < 0.5 ? 'inside' : 'outside'}`);
  }
  await writeFile(join(directory, 'circle.csv'), `${rows.join('\n')}\n`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('tessera train', () => {
  it('trains an MLP from a config file and writes a run directory with an HTML report of a falling loss', async () => {
    await writeFile(join(directory, 'short.yaml'), config('short', 200));
    const result = tessera('train', 'short.yaml');
    expect(result.stderr).toContain('step 200/200');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/run directory: runs\/short\nreport: runs\/short\/report\/index\.html\n/);
    expect(result.stdout).toMatch(/validation: loss \d\.\d{4}, accuracy 0\.9\d{3}/);
    const losses = (await readFile(join(directory, 'runs/short/metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((record) => record.kind === 'step')
      .map((record) => record.loss as number);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(losses.slice(-20))).toBeLessThan(0.5 * mean(losses.slice(0, 20)));
    const html = await readFile(join(directory, 'runs/short/report/index.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(JSON.parse(await readFile(join(directory, 'runs/short/config.json'), 'utf8')).data.path).toBe(
      join(directory, 'circle.csv'),
    );

    const info = tessera('info', 'runs/short');
    expect(info.stdout).toMatch(/model\.safetensors: 6 tensors, 1,218 parameters\n {2}0\.bias +F32 +\[32\]/);
    const evaluation = tessera('eval', 'runs/short', '--json');
    expect(JSON.parse(evaluation.stdout).metrics.accuracy).toBeGreaterThan(0.9);
  });

  it('interrupted with SIGINT, exits 130 with a checkpoint; resumed, it ends with exactly the weights of an uninterrupted run', async () => {
    await writeFile(join(directory, 'whole.yaml'), config('whole', 600));
    await writeFile(join(directory, 'parts.yaml'), config('parts', 600));
    expect(tessera('train', 'whole.yaml').status).toBe(0);

    const child = spawn(process.execPath, [bin, 'train', 'parts.yaml'], {
      cwd: directory,
      env: { ...process.env, TESSERA_BACKEND: 'wasm' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const exit = exited(child);
    while ((await stepsLogged('parts')) < 40) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    const stoppedAt = JSON.parse(await readFile(join(directory, 'runs/parts/checkpoints/last/trainer.json'), 'utf8'))
      .position.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(40);
    expect(stoppedAt).toBeLessThan(600);
    expect(output).toContain('interrupted: resume with  tessera train --resume runs/parts');

    const resumed = tessera('train', '--resume', 'runs/parts');
    expect(resumed.status).toBe(0);
    const whole = await readFile(join(directory, 'runs/whole/checkpoints/last/model.safetensors'));
    const parts = await readFile(join(directory, 'runs/parts/checkpoints/last/model.safetensors'));
    expect(parts.equals(whole)).toBe(true);
    const lastStep = async (run: string) => {
      const lines = (await readFile(join(directory, `runs/${run}/metrics.jsonl`), 'utf8')).trim().split('\n');
      const { step, loss, learningRate } = lines
        .map((line) => JSON.parse(line))
        .filter((record) => record.kind === 'step')
        .at(-1);
      return { step, loss, learningRate }; // timings (items per second, elapsed) naturally differ
    };
    expect(await lastStep('parts')).toEqual(await lastStep('whole'));
  });

  it('bad configs and missing files are one-line errors with exit status 1', async () => {
    await writeFile(join(directory, 'bad.yaml'), config('bad', 10).replace('learningRate: 0.01', 'learningRate: fast'));
    const bad = tessera('train', 'bad.yaml');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('tessera: E_CONFIG: bad.yaml: optimizer.learningRate: expected number, found "fast"\n');
    const missing = tessera('train', 'nowhere.yaml');
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(tessera('train').stderr).toMatch(/^tessera: E_CLI_USAGE: give a config file or --resume/);
    expect(tessera('info', 'nothing.safetensors').stderr).toMatch(/^tessera: E_SAFETENSORS_IO: .*nothing\.safetensors/);
    expect(tessera('train', '--help').stdout).toContain('--resume <run-directory>');
  });
});
