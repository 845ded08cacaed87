// A minimal Express-like router: method + path patterns with :params, middleware chains, JSON responses.
import type { User } from './db.js';

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
  /** Set by the authenticate middleware; reading it on a route without authentication fails closed (401). */
  user: User;
}

export interface Response {
  statusCode: number;
  payload: unknown;
  status(code: number): Response;
  json(payload: unknown): void;
}

export type Handler = (req: Request, res: Response, next: () => Promise<void>) => Promise<void> | void;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Route {
  method: string;
  segments: string[];
  handlers: Handler[];
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchRoute(route: Route, method: string, segments: string[]): Record<string, string> | undefined {
  if (route.method !== method || route.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = route.segments[i] ?? '';
    const actual = segments[i] ?? '';
    if (pattern.startsWith(':')) params[pattern.slice(1)] = decodeURIComponent(actual);
    else if (pattern !== actual) return undefined;
  }
  return params;
}

export class Router {
  private readonly routes: Route[] = [];

  get(path: string, ...handlers: Handler[]): this {
    return this.add('GET', path, handlers);
  }

  post(path: string, ...handlers: Handler[]): this {
    return this.add('POST', path, handlers);
  }

  patch(path: string, ...handlers: Handler[]): this {
    return this.add('PATCH', path, handlers);
  }

  /** Mounts another router's routes under a prefix. */
  use(prefix: string, router: Router): this {
    for (const route of router.routes) this.routes.push({ ...route, segments: [...split(prefix), ...route.segments] });
    return this;
  }

  /** Handles one request in memory; the HTTP server and the tests both go through here. */
  async handle(input: {
    method: string;
    url: string;
    headers?: Record<string, string | undefined>;
    body?: Record<string, unknown>;
  }): Promise<{ status: number; body: unknown }> {
    const url = new URL(input.url, 'http://localhost');
    const segments = split(url.pathname);
    const res: Response = {
      statusCode: 200,
      payload: null,
      status(code) {
        res.statusCode = code;
        return res;
      },
      json(payload) {
        res.payload = payload;
      },
    };
    for (const route of this.routes) {
      const params = matchRoute(route, input.method.toUpperCase(), segments);
      if (!params) continue;
      let user: User | undefined;
      const req: Request = {
        get user(): User {
          if (!user) throw new HttpError(401, 'Authentication required');
          return user;
        },
        set user(value: User) {
          user = value;
        },
        method: route.method,
        path: url.pathname,
        params,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        body: input.body ?? {},
      };
      try {
        await this.run(route.handlers, 0, req, res);
      } catch (error) {
        if (error instanceof HttpError) return { status: error.status, body: { error: error.message } };
        if (error instanceof Error && error.name === 'RecordNotFoundError') return { status: 404, body: { error: error.message } };
        return { status: 500, body: { error: error instanceof Error ? error.message : 'Internal error' } };
      }
      return { status: res.statusCode, body: res.payload };
    }
    return { status: 404, body: { error: 'Not found' } };
  }

  private add(method: string, path: string, handlers: Handler[]): this {
    this.routes.push({ method, segments: split(path), handlers });
    return this;
  }

  private async run(handlers: Handler[], index: number, req: Request, res: Response): Promise<void> {
    const handler = handlers[index];
    if (handler) await handler(req, res, () => this.run(handlers, index + 1, req, res));
  }
}
