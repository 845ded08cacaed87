// Wires the routers together and, when run directly, serves them over HTTP.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { config } from './config.js';
import { Router } from './router.js';
import { adminRouter } from './routes/admin.js';
import { authRouter } from './routes/auth.js';
import { invoiceRouter } from './routes/invoices.js';

export function createApp(): Router {
  return new Router().use('/auth', authRouter).use('/invoices', invoiceRouter).use('/admin', adminRouter);
}

function serve(app: Router, port: number): void {
  createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        response.writeHead(400).end('{"error":"Invalid JSON"}');
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      void app.handle({ method: request.method ?? 'GET', url: request.url ?? '/', headers, body }).then((result) => {
        response.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result.body));
      });
    });
  }).listen(port, () => console.log(`vulnerable-api listening on http://localhost:${port}`));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) serve(createApp(), config.port);
