import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { tf } from '../index.js';
import { EXPORT_MANIFEST_FILE, parseExportManifest } from './export-manifest.js';
import { resolveExportSourceIn } from './export-source.js';
import { decodeExportFile, readExportDirectory, readExportManifest } from './read-export-directory.js';
import { sha256Hex } from './sha256.js';
import { writeExportDirectory } from './write-export-directory.js';

const root = join(tmpdir(), `tessera-export-test-${process.pid}`);
let weight: tf.Tensor;
let bias: tf.Tensor;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  weight = tf.randomNormal([48, 40], 0, 0.2, 'float32', 11);
  bias = tf.randomNormal([40], 0, 0.2, 'float32', 12);
});

afterAll(async () => {
  tf.dispose([weight, bias]);
  await rm(root, { recursive: true, force: true });
});

const write = (name: string, extra: Partial<Parameters<typeof writeExportDirectory>[1]> = {}) =>
  writeExportDirectory(join(root, name), {
    kind: 'test-model',
    config: { inputs: 48, outputs: 40 },
    tensors: { 'head.weight': weight, 'head.bias': bias },
    files: { 'labels.json': JSON.stringify(['a', 'b']) },
    producer: { name: '@tessera/core', version: '0.0.0-test' },
    ...extra,
  });

describe('export directories', () => {
  it('round-trips float32 weights exactly, with config, files and a manifest of checksums', async () => {
    const manifest = await write('float');
    const onDisk = await readFile(join(root, 'float', 'model.safetensors'));
    expect(manifest.files.find((file) => file.path === 'model.safetensors')).toEqual({
      path: 'model.safetensors',
      bytes: onDisk.length,
      // Node's own hash of the bytes on disk: an independent SHA-256.
      sha256: (await import('node:crypto')).createHash('sha256').update(onDisk).digest('hex'),
    });
    expect(manifest.tfjsVersion).toBe(tf.version_core);
    expect(manifest.quantization).toBeNull();
    const before = tf.memory().numTensors;
    const loaded = await readExportDirectory<{ inputs: number }>(join(root, 'float'), { kinds: ['test-model'] });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(loaded.config.inputs).toBe(48);
    expect(JSON.parse(decodeExportFile(loaded, 'labels.json'))).toEqual(['a', 'b']);
    expect(Array.from(loaded.tensors['head.weight']!.dataSync())).toEqual(Array.from(weight.dataSync()));
    expect(Array.from(loaded.tensors['head.bias']!.dataSync())).toEqual(Array.from(bias.dataSync()));
    tf.dispose(Object.values(loaded.tensors));
  });

  it('stores int8 weights about 4x smaller and loads them within scale / 2', async () => {
    const manifest = await write('int8', { quantization: 'int8' });
    const float = await readFile(join(root, 'float', 'model.safetensors')).catch(() => undefined);
    const quantized = await readFile(join(root, 'int8', 'model.safetensors'));
    expect(manifest.quantization?.tensors).toEqual({ 'head.weight': { axis: 1, shape: [48, 40] } });
    if (float !== undefined) expect(quantized.length).toBeLessThan(float.length / 3);
    const loaded = await readExportDirectory(join(root, 'int8'));
    const original = weight.dataSync();
    const restored = loaded.tensors['head.weight']!.dataSync();
    const maxima = new Float64Array(40);
    original.forEach((value, i) => {
      maxima[i % 40] = Math.max(maxima[i % 40]!, Math.abs(value));
    });
    original.forEach((value, i) => {
      expect(Math.abs(value - restored[i]!)).toBeLessThanOrEqual(maxima[i % 40]! / 127 / 2 + 1e-7);
    });
    expect(Array.from(loaded.tensors['head.bias']!.dataSync())).toEqual(Array.from(bias.dataSync()));
    tf.dispose(Object.values(loaded.tensors));
  });

  it('detects a tampered or truncated file before building tensors', async () => {
    await write('tampered');
    const path = join(root, 'tampered', 'model.safetensors');
    const bytes = await readFile(path);
    bytes[bytes.length - 1] ^= 0x01;
    await writeFile(path, bytes);
    const before = tf.memory().numTensors;
    await expect(readExportDirectory(join(root, 'tampered'))).rejects.toThrow(/E_EXPORT_CHECKSUM: model.safetensors/);
    await writeFile(path, bytes.subarray(0, 100));
    await expect(readExportDirectory(join(root, 'tampered'))).rejects.toThrow(/E_EXPORT_CHECKSUM.*100 bytes/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains missing directories, wrong kinds, bad manifests and unsafe names', async () => {
    await expect(readExportDirectory(join(root, 'nowhere'))).rejects.toThrow(/E_EXPORT_FILE.*tessera.json/);
    await write('kind');
    await expect(readExportDirectory(join(root, 'kind'), { kinds: ['gpt'] })).rejects.toThrow(
      /E_EXPORT_KIND.*'test-model'.*'gpt'/,
    );
    expect(() => parseExportManifest('{')).toThrow(/E_EXPORT_MANIFEST.*not valid JSON/);
    expect(() => parseExportManifest('{"format":"tessera-export","formatVersion":99}')).toThrow(/E_EXPORT_VERSION/);
    const manifest = JSON.parse(await readFile(join(root, 'kind', EXPORT_MANIFEST_FILE), 'utf8'));
    manifest.files[0].path = '../../etc/passwd';
    expect(() => parseExportManifest(JSON.stringify(manifest))).toThrow(/E_EXPORT_MANIFEST.*unsafe/);
    // A quantization field the int8 writer never writes is refused, not trusted.
    const float32 = JSON.parse(await readFile(join(root, 'kind', EXPORT_MANIFEST_FILE), 'utf8'));
    for (const quantization of ['int8', { scheme: 'int4' }, { scheme: 'int8-symmetric-per-channel' }]) {
      expect(() => parseExportManifest(JSON.stringify({ ...float32, quantization }))).toThrow(
        /E_EXPORT_MANIFEST.*quantization/,
      );
    }
    const badEntry = { scheme: 'int8-symmetric-per-channel', tensors: { w: { axis: 2, shape: [3, 4] } } };
    expect(() => parseExportManifest(JSON.stringify({ ...float32, quantization: badEntry }))).toThrow(
      /E_EXPORT_MANIFEST.*int8 tensor 'w'/,
    );
    await expect(write('bad-name', { files: { '../x': 'no' } })).rejects.toThrow(/E_EXPORT_FILE/);
  });

  it('refuses to overwrite unless asked, and then swaps the whole directory', async () => {
    await write('existing');
    await expect(write('existing')).rejects.toThrow(/E_EXPORT_EXISTS/);
    const manifest = await write('existing', { overwrite: true, config: { inputs: 1 } });
    expect((await readExportManifest(join(root, 'existing'))).createdAt).toBe(manifest.createdAt);
  });

  it('loads over HTTP through the URL source (what the browser does)', async () => {
    await write('served', { quantization: 'int8' });
    const server: Server = createServer(async (request, response) => {
      try {
        const name = decodeURIComponent((request.url ?? '/').replace(/^\/models\/served\//, ''));
        const body = await readFile(join(root, 'served', name));
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const loaded = await readExportDirectory(`http://127.0.0.1:${port}/models/served`);
      expect(loaded.manifest.kind).toBe('test-model');
      expect(loaded.tensors['head.weight']!.shape).toEqual([48, 40]);
      tf.dispose(Object.values(loaded.tensors));
      await expect(readExportDirectory(`http://127.0.0.1:${port}/models/absent/`)).rejects.toThrow(
        /E_EXPORT_FETCH.*HTTP 404/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('resolves a relative path as a directory in Node and against the page (or worker) location in a browser', () => {
    const page = { node: false, baseHref: 'https://example.com/app/index.html' };
    expect(resolveExportSourceIn('./model/', page).location).toBe('https://example.com/app/model/');
    expect(resolveExportSourceIn('../exports/gpt', page).location).toBe('https://example.com/exports/gpt/');
    expect(resolveExportSourceIn('runs/export/', { node: true, baseHref: undefined }).location).toBe('runs/export');
    expect(() => resolveExportSourceIn('./model/', { node: false, baseHref: undefined })).toThrow(
      /E_EXPORT_FILE: "\.\/model\/" is a relative path, and here there is neither a file system nor a page location/,
    );
  });

  it('bundles for the browser without Node built-ins', async () => {
    const result = await build({
      stdin: {
        contents: `export { readExportDirectory } from './read-export-directory.ts';`,
        resolveDir: new URL('.', import.meta.url).pathname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    // The directory source's lazy import stays a runtime string, never a bundled or static import.
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["']node:/);
  });

  it('hashes like the SHA-256 test vector', async () => {
    // FIPS 180-2 example: SHA-256("abc").
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
