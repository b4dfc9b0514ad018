// A cookie-keeping HTTP client for the console's HTML pages: follows no redirect by itself (tests
// look at the 303s), keeps the cookies the console sets, and reads forms' CSRF tokens.
export interface PageResult {
  status: number;
  headers: Headers;
  text: string;
  /** The Location of a redirect. */
  location: string | null;
}

/** `headers` go with every request (X-Forwarded-Proto, as a TLS-terminating balancer sends). */
export function consoleClient(baseUrl: string, headers: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    jar,
    async get(path: string): Promise<PageResult> {
      const res = await fetch(`${baseUrl}${path}`, {
        redirect: 'manual',
        headers: { ...headers, cookie: cookieHeader() },
      });
      remember(res);
      return {
        status: res.status,
        headers: res.headers,
        text: await res.text(),
        location: res.headers.get('location'),
      };
    },
    async post(path: string, fields: Record<string, string>): Promise<PageResult> {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...headers, cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      remember(res);
      return {
        status: res.status,
        headers: res.headers,
        text: await res.text(),
        location: res.headers.get('location'),
      };
    },
    /** A form body sent as given (percent-encoding included), for bytes URLSearchParams would not send. */
    async postRaw(path: string, body: string): Promise<PageResult> {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...headers, cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      remember(res);
      return {
        status: res.status,
        headers: res.headers,
        text: await res.text(),
        location: res.headers.get('location'),
      };
    },
    /** The CSRF token of the first form on `path` (a GET, so its cookie is set too). */
    async csrf(path: string): Promise<string> {
      const page = await this.get(path);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      if (!token) throw new Error(`no CSRF token on ${path} (${page.status})`);
      return token;
    },
    async signIn(username: string, password: string): Promise<PageResult> {
      const token = await this.csrf('/admin/login');
      return this.post('/admin/login', { _csrf: token, username, password });
    },
  };
}

export type ConsoleClient = ReturnType<typeof consoleClient>;
