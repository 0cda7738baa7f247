// A minimal static file server for the built page (tests and `node static-server.mjs dist`):
// the MIME types the page needs, application/wasm included (WebAssembly.instantiateStreaming
// refuses anything else), and nothing outside the root.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

/** Serves `root` on 127.0.0.1 (port 0: any free port); resolves to the server and its base URL. */
export async function serveDirectory(root, port = 0) {
  const base = resolve(root);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`${path} not found`);
    }
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await serveDirectory(process.argv[2] ?? 'dist', Number(process.argv[3] ?? 4173));
  process.stdout.write(`Serving ${process.argv[2] ?? 'dist'} at ${url}\n`);
}
