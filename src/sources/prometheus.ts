/**
 * The `prometheus` source: one PromQL instant query per group (DESIGN §4).
 *
 *   metrics:
 *     type: prometheus
 *     url: http://127.0.0.1:9090
 *     host_label: instance                # default
 *     groups: { responsive: 'up{job="node"} == 1', puppet_ok: 'puppet_last_run_success == 1' }
 *
 * Every query runs at once against `<url>/api/v1/query`. A group holds the
 * host of every series the query returns, whatever the sample's value: put
 * the condition in the query (`== 1`). The host is the `host_label` label,
 * made canonical by the one rule (`dn01:9100` → `dn01.<domain>`).
 *
 * What counts as a failure (nothing of the source is replaced):
 *   - an error answer (`"status":"error"`: its errorType and error are shown),
 *     an HTTP error, a body that is not the Prometheus API, a timeout;
 *   - an answer that is not an instant vector (a range query, a scalar);
 *   - a group whose query returned series, none of which names a usable host
 *     (a wrong host_label, or an aggregation that dropped it);
 *   - every group empty: no data at all, which is a broken URL, query or
 *     label far more often than a healthy fleet.
 * One empty group is data ("no failed disks") and is written as an empty group.
 */
import type { DatacenterConfig } from '../config/config.js';
import type { Field } from '../config/yamlsrc.js';
import { HostCollector } from './hostnames.js';
import { emptyResult, SourceError, type HostRule, type Rejected, type SourceContext, type SourceResult, type SourceType } from './types.js';

export interface PrometheusGroup {
  name: string;
  query: string;
}

export interface PrometheusConfig {
  /** Base URL, without a trailing slash. */
  url: string;
  hostLabel: string;
  groups: PrometheusGroup[];
}

const GROUP_NAME = /^[a-z0-9_][a-z0-9_.-]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function describe(group: string, query: string): string {
  return `group ${group} (query ${JSON.stringify(query)})`;
}

function showSeries(metric: Record<string, unknown>): string {
  const name = typeof metric.__name__ === 'string' ? metric.__name__ : '';
  const labels = Object.entries(metric)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`);
  return `${name}{${labels.join(',')}}`;
}

/**
 * An instant-query answer → the hosts of its series. Pure. An error answer or
 * anything but a vector is a SourceError naming the group and query; a series
 * without the host label, or whose label is not a host name, is rejected.
 */
export function parsePromVector(json: unknown, group: string, query: string, hostLabel: string, rule: HostRule): { hosts: string[]; rejected: Rejected[] } {
  const at = describe(group, query);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SourceError(`prometheus ${at}: the answer is not a Prometheus API object`);
  }
  const body = json as Record<string, unknown>;
  if (body.status === 'error') {
    throw new SourceError(`prometheus ${at}: ${String(body.errorType ?? 'error')}: ${String(body.error ?? '(no error text)')}`);
  }
  if (body.status !== 'success') {
    throw new SourceError(`prometheus ${at}: status ${JSON.stringify(body.status)}, expected "success"`);
  }
  const data = body.data as Record<string, unknown> | null | undefined;
  if (!data || typeof data !== 'object') throw new SourceError(`prometheus ${at}: the answer has no data`);
  if (data.resultType !== 'vector') {
    throw new SourceError(
      `prometheus ${at}: the result is a ${JSON.stringify(data.resultType)}, not an instant vector; ` +
        `write a query that returns one series per host (no range selector like [5m], no bare number)`,
    );
  }
  if (!Array.isArray(data.result)) throw new SourceError(`prometheus ${at}: data.result is not a list`);

  const collector = new HostCollector(rule);
  const rejected: Rejected[] = [];
  const hosts = new Set<string>();
  for (const sample of data.result) {
    const metric = (sample && typeof sample === 'object' ? (sample as { metric?: unknown }).metric : null) as Record<string, unknown> | null;
    if (!metric || typeof metric !== 'object') {
      throw new SourceError(`prometheus ${at}: a sample has no metric labels`);
    }
    const raw = metric[hostLabel];
    if (typeof raw !== 'string' || raw.trim() === '') {
      rejected.push({ raw: `${showSeries(metric)} (group ${group})`, reason: `no "${hostLabel}" label (host_label)` });
      continue;
    }
    const host = collector.take(raw, `group ${group}`);
    if (host !== null) hosts.add(host);
  }
  rejected.push(...collector.rejected);
  return { hosts: [...hosts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), rejected };
}

/** `<url>/api/v1/query?query=<encoded>`. */
export function queryUrl(base: string, query: string): string {
  return `${base}/api/v1/query?query=${encodeURIComponent(query)}`;
}

/**
 * Runs one query. Prometheus answers errors with a JSON body and HTTP 400,
 * 422 or 503: the body is read whatever the status, so its error text is shown.
 */
async function runQuery(config: PrometheusConfig, g: PrometheusGroup, ctx: SourceContext): Promise<unknown> {
  const url = queryUrl(config.url, g.query);
  const at = describe(g.name, g.query);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: ctx.signal, redirect: 'follow' });
    text = await res.text();
  } catch (e) {
    if (ctx.signal.aborted) throw new SourceError(`prometheus ${at}: GET ${config.url}: timed out after ${ctx.timeoutMs / 1000}s`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new SourceError(`prometheus ${at}: GET ${config.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  if (json && typeof json === 'object' && (json as { status?: unknown }).status === 'error') {
    const b = json as { errorType?: unknown; error?: unknown };
    throw new SourceError(`prometheus ${at}: ${status}: ${String(b.errorType ?? 'error')}: ${String(b.error ?? '(no error text)')}`);
  }
  if (!res.ok) {
    const snippet = text.trim().slice(0, 300).replace(/\s+/g, ' ');
    throw new SourceError(`prometheus ${at}: GET ${url}: ${status}${snippet ? `: ${snippet}` : ''}`);
  }
  if (json === undefined) {
    const snippet = text.trim().slice(0, 120).replace(/\s+/g, ' ');
    throw new SourceError(`prometheus ${at}: GET ${url}: the answer is not JSON${snippet ? `: ${snippet}` : ' (empty)'}; is url the Prometheus server?`);
  }
  return json;
}

function configure(m: Map<string, Field>, where: Field): PrometheusConfig {
  const urlField = m.get('url') ?? where.fail('url: missing; the Prometheus server, e.g. http://127.0.0.1:9090');
  const url = urlField.string().replace(/\/+$/, '');
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) return urlField.fail(`expected an http:// or https:// URL, found "${url}"`);
  if (/\/api\/v1(\/|$)/.test(parsed.pathname)) urlField.fail(`give the server's base URL (without /api/v1/...), found "${url}"`);

  const labelField = m.get('host_label');
  const hostLabel = labelField ? labelField.string() : 'instance';
  if (labelField && !LABEL_NAME.test(hostLabel)) labelField.fail(`"${hostLabel}" is not a Prometheus label name`);

  const groupsField = m.get('groups') ?? where.fail(`groups: missing; one query per group, e.g. groups: { responsive: 'up{job="node"} == 1' }`);
  const groups: PrometheusGroup[] = [];
  for (const [name, q] of groupsField.map()) {
    if (!GROUP_NAME.test(name)) {
      q.fail(`"${name}" is not a group name: lower case letters, digits, "_", "." and "-", starting with a letter, digit or "_"`);
    }
    if (name === 'all') q.fail('"all" is the inventory\'s group; name this group after what the query finds');
    if (!q.present) q.fail('the query is empty');
    groups.push({ name, query: q.string() });
  }
  if (groups.length === 0) groupsField.fail('no groups; give at least one, e.g. { responsive: \'up{job="node"} == 1\' }');
  return { url, hostLabel, groups };
}

export const source: SourceType<PrometheusConfig> = {
  type: 'prometheus',
  keys: ['url', 'host_label', 'groups'],

  configure(m: Map<string, Field>, where: Field, _configDir: string, _dc: DatacenterConfig): PrometheusConfig {
    return configure(m, where);
  },

  async pull(config: PrometheusConfig, ctx: SourceContext): Promise<SourceResult> {
    const settled = await Promise.allSettled(
      config.groups.map(async (g) => {
        const json = await runQuery(config, g, ctx);
        const parsed = parsePromVector(json, g.name, g.query, config.hostLabel, ctx.hostRule);
        const warnings = (json as { warnings?: unknown }).warnings;
        return { group: g, ...parsed, warnings: Array.isArray(warnings) ? warnings.map(String) : [] };
      }),
    );
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    for (const a of answers) {
      if (a.hosts.length === 0 && a.rejected.length > 0) {
        failures.push(
          new SourceError(
            `prometheus ${describe(a.group.name, a.group.query)}: ${a.rejected.length} series, none with a usable host ` +
              `(first: ${a.rejected[0]!.raw}: ${a.rejected[0]!.reason}); check host_label ("${config.hostLabel}") and that the query keeps it`,
          ),
        );
      }
    }
    if (failures.length === 1) throw failures[0] instanceof SourceError ? failures[0] : new SourceError(String(failures[0]!.message));
    if (failures.length > 1) {
      throw new SourceError(`prometheus ${config.url}: ${failures.length} of ${config.groups.length} queries failed:\n${failures.map((f) => `  ${f.message}`).join('\n')}`);
    }
    if (answers.every((a) => a.hosts.length === 0)) {
      throw new SourceError(
        `prometheus ${config.url}: no data at all: every query (${config.groups.map((g) => g.name).join(', ')}) returned no series; ` +
          `check url, the queries and host_label`,
      );
    }
    const result = emptyResult();
    for (const a of answers) {
      result.groups.set(a.group.name, a.hosts);
      result.rejected.push(...a.rejected);
      result.notes.push(`${a.group.name} ${a.hosts.length}`);
      for (const w of a.warnings) result.notes.push(`warning (${a.group.name}): ${w}`);
    }
    return result;
  },
};
