/**
 * The one HTTP client of the tests: a browser stand-in over fetch for the panel, used in process
 * and over real processes alike.
 */

/** The password test helpers give staff accounts unless told otherwise. */
export const PASSWORD = 'correct horse battery';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = Record<string, unknown>>(): T;
  location: string | null;
}

/**
 * A browser stand-in over fetch: keeps cookies, and by default behaves like AdminJS's frontend:
 * sends Origin on POST and copies the XSRF-TOKEN cookie into X-XSRF-TOKEN (as axios does).
 */
export class HttpClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(
    pathname: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      json?: unknown;
      /** A multipart body, as AdminJS's record forms send (fetch sets the content type). */
      multipart?: FormData;
      /** A body as it is, with `headers` giving its content type. */
      raw?: string;
      headers?: Record<string, string>;
      /** false: no X-XSRF-TOKEN header; false for origin: no Origin header. */
      csrf?: boolean;
      origin?: string | false;
    } = {},
  ): Promise<Reply> {
    const hasBody = init.form || init.json !== undefined || init.multipart || init.raw !== undefined;
    const method = init.method ?? (hasBody ? 'POST' : 'GET');
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && init.origin !== false) headers.origin = init.origin ?? this.base;
    const xsrf = this.cookies.get('XSRF-TOKEN');
    if (xsrf && init.csrf !== false) headers['x-xsrf-token'] = decodeURIComponent(xsrf);
    let body: string | FormData | undefined;
    if (init.multipart) {
      body = init.multipart;
    } else if (init.raw !== undefined) {
      body = init.raw;
    } else if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.base + pathname, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      location: res.headers.get('location'),
      json: <T>() => JSON.parse(text) as T,
    };
  }

  login(username: string, password = PASSWORD): Promise<Reply> {
    return this.request('/admin/login', { form: { email: username, password } });
  }

  /** An AdminJS API call, as the frontend makes it. */
  api(pathname: string, init: Parameters<HttpClient['request']>[1] = {}): Promise<Reply> {
    return this.request(`/admin/api${pathname}`, init);
  }
}
