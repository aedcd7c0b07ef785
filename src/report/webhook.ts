/**
 * One JSON POST to an incoming webhook (Slack, Mattermost), bounded in time:
 * every try, every wait between tries and the reading of every answer fit in
 * one budget, so a webhook that is down or slow never holds up a pass for
 * longer than that. Only the configured URL is ever asked: redirects are not
 * followed. A webhook URL carries its token in its path, so nothing here
 * prints more of it than scheme://host[:port]/….
 */

/** `https://hooks.slack.com/…`: what may be shown of a webhook URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(webhook URL)';
  }
}

/**
 * Removes the URL's secret parts (the whole URL, its path and its query) from
 * a text that may quote them, such as an error message from the network stack.
 */
export function scrubUrl(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    for (const secret of [u.pathname + u.search, u.pathname, u.search.slice(1), u.username, u.password]) {
      if (secret.length > 1) out = out.split(secret).join('/…');
    }
  } catch {
    // not a URL: nothing more of it can be recognised
  }
  return out;
}

export interface PostOptions {
  /** The whole budget: tries, waits between them and answers, in milliseconds. */
  timeoutMs: number;
  /** Tries in all (default 3). */
  tries?: number;
  /** The wait before the second try; it doubles before each later one (default 250 ms). */
  backoffMs?: number;
  /** Stops at once (the loop was asked to stop). */
  signal?: AbortSignal;
}

export interface PostOutcome {
  delivered: boolean;
  tries: number;
  ms: number;
  /** The last HTTP status, when there was an answer. */
  status: number | null;
  /** Why it was not delivered, already scrubbed of the URL. */
  why: string | null;
}

/** 408, 429 and 5xx may pass; any other answer will be the same next time. */
function worthRetrying(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function oneLine(text: string, max = 120): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * POSTs `body` as JSON. A try that fails fast (refused, reset, 5xx, 429) is
 * repeated after a growing wait while the budget lasts; a try that hangs gets
 * what is left of the budget, and then there is none for another. Never throws.
 */
export async function postJson(url: string, body: unknown, o: PostOptions): Promise<PostOutcome> {
  const started = performance.now();
  const deadline = started + o.timeoutMs;
  const tries = Math.max(1, o.tries ?? 3);
  const json = JSON.stringify(body);
  let status: number | null = null;
  let why: string | null = null;
  let made = 0;
  const outcome = (delivered: boolean): PostOutcome => ({
    delivered,
    tries: made,
    ms: Math.round(performance.now() - started),
    status,
    why: delivered || why === null ? null : scrubUrl(why, url),
  });
  for (let i = 0; i < tries; i++) {
    const left = deadline - performance.now();
    if (left <= 0 || o.signal?.aborted) break;
    made++;
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(left)));
    const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: json,
        signal,
        redirect: 'manual',
      });
      status = res.status;
      // Read the answer so the connection is released; a body cut off by the budget changes nothing.
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return outcome(true);
      const said = oneLine(text);
      if (res.status >= 300 && res.status < 400) {
        why = `HTTP ${res.status}: a redirect, not followed; put the URL it points to in the config`;
        break;
      }
      why = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${said ? `: ${said}` : ''}`;
      if (!worthRetrying(res.status)) break;
    } catch (e) {
      if (o.signal?.aborted) {
        why = 'stopped, as asked';
        break;
      }
      if (timeout.aborted) {
        why = `no answer within ${o.timeoutMs / 1000}s`;
        break;
      }
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      why = oneLine(cause?.code ?? cause?.message ?? (e as Error).message);
    }
    if (i + 1 < tries) {
      const wait = (o.backoffMs ?? 250) * 2 ** i;
      // No wait that would leave no time for the try after it.
      if (performance.now() + wait >= deadline) break;
      await sleep(wait, o.signal);
    }
  }
  if (why === null) why = o.signal?.aborted ? 'stopped, as asked' : `no time left within ${o.timeoutMs / 1000}s`;
  return outcome(false);
}
