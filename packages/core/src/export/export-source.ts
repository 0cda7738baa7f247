import type { ExportLocation, ExportSource } from '@tessera/spec';
import { TesseraError } from '../errors.js';
import { isPlainFileName } from './export-manifest.js';

export type { ExportLocation, ExportSource };

function checkName(name: string): void {
  if (!isPlainFileName(name)) {
    throw new TesseraError('E_EXPORT_FILE', `refusing to read ${JSON.stringify(name)}: not a plain file name`);
  }
}

/** Reads files over HTTP(S) (or any scheme `fetch` supports) relative to a base URL. */
export function urlExportSource(base: string | URL, init?: RequestInit): ExportSource {
  const href = String(base);
  const directory = new URL(href.endsWith('/') ? href : `${href}/`);
  return {
    location: directory.href,
    async read(name) {
      checkName(name);
      const url = new URL(name, directory);
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        throw new TesseraError('E_EXPORT_FETCH', `cannot fetch ${url.href}: ${(error as Error).message}`, {
          category: 'unavailable',
          cause: error,
        });
      }
      if (!response.ok) {
        throw new TesseraError(
          'E_EXPORT_FETCH',
          `fetching ${url.href} answered HTTP ${response.status} ${response.statusText}; check the export's base URL and that every file was uploaded`,
          { category: 'unavailable' },
        );
      }
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/**
 * Reads files from a local directory (Node only). `node:fs/promises` is imported on first use
 * through a computed specifier, so bundlers targeting the browser never try to include it.
 */
export function directoryExportSource(directory: string): ExportSource {
  const trimmed = directory.replace(/[\\/]+$/, '');
  return {
    location: trimmed,
    async read(name) {
      checkName(name);
      const specifier = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ specifier)) as typeof import('node:fs/promises');
      const path = `${trimmed}/${name}`;
      try {
        return new Uint8Array(await fs.readFile(path));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new TesseraError(
          'E_EXPORT_FILE',
          code === 'ENOENT'
            ? `${path} does not exist; is ${trimmed} an export directory written by Tessera (it needs tessera.json)?`
            : `cannot read ${path}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
  };
}

/** What a relative path is resolved against: Node's file system, or the page's (worker's) location. */
export interface ExportRuntime {
  node: boolean;
  /** `location.href` where there is one (a page or a worker), to resolve relative URLs as fetch does. */
  baseHref: string | undefined;
}

function currentRuntime(): ExportRuntime {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const baseHref = (globalThis as { location?: { href?: string } }).location?.href;
  return { node, baseHref };
}

/**
 * A string with a scheme (`https:`, `http:`, `file:`, `blob:`…) is a URL; anything else a path:
 * a directory in Node, and in a browser a URL relative to the page (or worker), as `fetch` reads it.
 */
export function resolveExportSource(location: ExportLocation): ExportSource {
  return resolveExportSourceIn(location, currentRuntime());
}

/** `resolveExportSource` for a given runtime (tests use it to stand in for a browser). */
export function resolveExportSourceIn(location: ExportLocation, runtime: ExportRuntime): ExportSource {
  if (typeof location === 'object' && location !== null && 'read' in location) return location;
  if (location instanceof URL) return urlExportSource(location);
  if (typeof location !== 'string' || location.length === 0) {
    throw new TesseraError('E_EXPORT_FILE', 'an export location must be a directory path, a URL or an ExportSource');
  }
  // Windows drive letters (C:\) are paths, not schemes.
  if (/^[a-z][a-z0-9+.-]+:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) {
    if (location.startsWith('file:')) {
      return directoryExportSource(decodeURIComponent(new URL(location).pathname));
    }
    return urlExportSource(location);
  }
  if (runtime.node) return directoryExportSource(location);
  if (runtime.baseHref === undefined) {
    throw new TesseraError(
      'E_EXPORT_FILE',
      `${JSON.stringify(location)} is a relative path, and here there is neither a file system nor a page location to resolve it against; pass a URL (new URL('${location}', location.href))`,
    );
  }
  return urlExportSource(new URL(location, runtime.baseHref));
}
