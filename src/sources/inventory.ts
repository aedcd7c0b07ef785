/**
 * The `inventory` source: the system of record that says which hosts exist,
 * which cluster, role, lifecycle state, rack and data group each belongs to,
 * and which boolean flags are set on it (DESIGN §4).
 *
 * Input, exactly one of:
 *   file: ./inventory.csv                 (format: csv | tsv | json)
 *   command: [loony, dump, --dc, dc1]     (format: csv | tsv | json; its stdout)
 *   netbox: { url, token_env, query }     (NetBox REST API, JSON)
 *
 * Output:
 *   all                  every canonical host
 *   role.<role>          hosts by role; lifecycle.<state> hosts by lifecycle state
 *                        (values lower-cased, anything outside [a-z0-9_.-] becomes "-";
 *                        an empty value gives no group)
 *   <flag>               one group per flag column, holding the hosts whose flag is true
 *   inventory.tsv        host, cluster, role, lifecycle, rack, datagroup, ticket, <flags...>
 *
 * CSV/TSV: the first line is the header; `columns:` maps our fields to its
 * column names (host required). JSON: an array of objects, `columns:` naming
 * their keys; values may be strings, numbers, booleans or null.
 *
 * NetBox (GET <url>/api/dcim/devices/?<query>&limit=1000, following `next`
 * until null; any page failing fails the whole pull). Device fields:
 *   host       `name` (a device without a name is reported and left out)
 *   role       `role` (NetBox ≥ 3.6) or `device_role` (≤ 3.7): its slug, else its name
 *   lifecycle  `status.value` (active, offline, failed, decommissioning, ...)
 *   cluster    custom field `cluster` when set, else `cluster.name`
 *   rack       `rack.name`
 *   datagroup  custom field `datagroup`;  ticket: custom field `ticket`
 *   flags      custom fields of those names (booleans; null = false)
 * Under netbox, `columns:` names custom fields instead: `columns: { datagroup:
 * hdfs_datagroup, cluster: hadoop_cluster }` reads those custom fields. A custom
 * field named there (or as a flag) must exist on every device; a value it
 * holds wins over the built-in field, and when it is null the built-in field
 * (role, status, cluster, rack) is used.
 * The token is sent as `Authorization: Token <value>`; a v2 token (`nbt_...`,
 * NetBox ≥ 4.5) as `Bearer <value>`.
 */
import path from 'node:path';
import type { DatacenterConfig } from '../config/config.js';
import type { Field } from '../config/yamlsrc.js';
import { httpGet, parseJson, readSourceFile, runCommand } from './fetch.js';
import { HostCollector } from './hostnames.js';
import { emptyResult, SourceError, type HostRule, type SourceContext, type SourceResult, type SourceType } from './types.js';
import { importPackage } from '../store/esm.js';

export const INVENTORY_FIELDS = ['host', 'cluster', 'role', 'lifecycle', 'rack', 'datagroup', 'ticket'] as const;
export type InventoryField = (typeof INVENTORY_FIELDS)[number];
export type InventoryFormat = 'csv' | 'tsv' | 'json';

/** Our field → the input's column name (for NetBox: a custom field's name). */
export type InventoryColumns = Partial<Record<InventoryField, string>>;

/** What the parse needs: how to read columns, and which columns are flags. */
export interface InventoryMapping {
  columns: InventoryColumns;
  /** Boolean columns that become groups named exactly as the column. */
  flags: string[];
}

export interface NetboxSpec {
  /** The NetBox base URL, without a trailing slash. */
  url: string;
  /** The environment variable holding the API token. */
  tokenEnv: string;
  /** Filters, e.g. `role=hadoop-worker&site=dc1` (no leading `?`). */
  query: string;
}

export type InventoryInput =
  | { kind: 'file'; path: string }
  | { kind: 'command'; argv: string[] }
  | { kind: 'netbox'; netbox: NetboxSpec };

export interface InventoryConfig extends InventoryMapping {
  input: InventoryInput;
  format: InventoryFormat;
}

export interface InventoryRow {
  /** The line of the input the row starts on (for NetBox: the device's position, from 1). */
  line: number;
  record: Record<string, string>;
}

export const TABLE_NAME = 'inventory.tsv';
const GROUP_NAME = /^[a-z0-9_][a-z0-9_.-]*$/;
const FIX_LAYOUT = 'one line per host, without tabs or line breaks in a value';

/** `Hadoop Worker` → `hadoop-worker`: the part of a group name a value gives. */
export function groupSlug(value: string): string {
  return value.trim().toLowerCase().replace(/[^a-z0-9_.-]/gu, '-');
}

/** true/false, yes/no, 1/0 (any case), empty = false; anything else: null. */
export function parseFlag(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === 'no' || v === '0') return false;
  if (v === 'true' || v === 'yes' || v === '1') return true;
  return null;
}

interface RowsOptions {
  /** Where a row is: `inventory.csv:12`. */
  loc: (line: number) => string;
  /** The header and where it is; without it, the keys the records have. */
  header?: { columns: string[]; loc: string };
}

/** The input column each of our fields and flags reads, with the config key that names it. */
function wanted(cfg: InventoryMapping): Array<{ column: string; key: string }> {
  const out: Array<{ column: string; key: string }> = [];
  for (const f of INVENTORY_FIELDS) {
    const c = cfg.columns[f];
    if (c !== undefined) out.push({ column: c, key: `columns.${f}` });
  }
  for (const f of cfg.flags) out.push({ column: f, key: 'flags' });
  return out;
}

function parseRows(rows: readonly InventoryRow[], cfg: InventoryMapping, rule: HostRule, what: string, opts: RowsOptions): SourceResult {
  const hostColumn = cfg.columns.host;
  if (!hostColumn) throw new SourceError(`${what}: columns.host is not set; name the column that holds the host name`);
  const need = wanted(cfg);

  const header = opts.header?.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r.record)))];
  if (opts.header || rows.length > 0) {
    const missing = need.filter((n) => !header.includes(n.column));
    if (missing.length > 0) {
      const where = opts.header?.loc ?? what;
      const list = [...new Map(missing.map((m) => [m.column, m])).values()].map((m) => `"${m.column}" (${m.key})`).join(', ');
      throw new SourceError(
        `${where}: ${missing.length === 1 ? 'column' : 'columns'} ${list} not in the input; it has: ${header.map((h) => `"${h}"`).join(', ') || 'no columns'}. ` +
          `Fix columns:/flags: in the config, or the input`,
      );
    }
  }

  const collector = new HostCollector(rule);
  const seen = new Map<string, { line: number; raw: string }>();
  const groups = new Map<string, string[]>();
  const add = (g: string, h: string) => {
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(h);
  };
  groups.set('all', []);
  for (const f of cfg.flags) groups.set(f, []);
  const tableRows: Array<Record<string, string>> = [];
  let nonBlank = 0;

  for (const { line, record } of rows) {
    // Built only when a message needs it: most rows never do.
    const locOf = () => opts.loc(line);
    const get = (column: string | undefined): string => (column === undefined ? '' : (record[column] ?? ''));
    if (Object.values(record).every((v) => v.trim() === '')) continue;
    nonBlank++;
    for (const n of need) {
      const v = get(n.column);
      if (/[\t\n\r]/.test(v)) {
        const what = v.includes('\t') ? 'a tab' : 'a line break';
        throw new SourceError(`${locOf()}: column "${n.column}" (${n.key}) holds ${what} in ${JSON.stringify(v)}; the inventory must have ${FIX_LAYOUT}`);
      }
    }
    const raw = get(hostColumn).trim();
    const host = collector.take(raw, locOf);
    if (host === null) continue;
    const before = seen.get(host);
    if (before) {
      throw new SourceError(
        `${locOf()}: host ${host} ("${raw}") is listed twice: also at ${opts.loc(before.line)} ("${before.raw}"); ` +
          `each host must appear once (names are compared after canonicalisation) — remove or fix one of the rows`,
      );
    }
    seen.set(host, { line, raw });

    const row: Record<string, string> = { host };
    for (const f of INVENTORY_FIELDS) if (f !== 'host') row[f] = get(cfg.columns[f]).trim();
    for (const flag of cfg.flags) {
      const v = get(flag);
      const b = parseFlag(v);
      if (b === null) {
        throw new SourceError(`${locOf()}: flag column "${flag}" holds ${JSON.stringify(v.trim())} for ${host}; expected true/false, yes/no, 1/0 or empty (false)`);
      }
      row[flag] = b ? 'true' : 'false';
      if (b) add(flag, host);
    }
    add('all', host);
    if (row.role) add(`role.${groupSlug(row.role)}`, host);
    if (row.lifecycle) add(`lifecycle.${groupSlug(row.lifecycle)}`, host);
    tableRows.push(row);
  }

  if (seen.size === 0) {
    const rej = collector.rejected;
    const why =
      nonBlank === 0
        ? 'the input has no rows'
        : `${nonBlank} ${nonBlank === 1 ? 'row' : 'rows'}, and every name was refused (first: "${rej[0]?.raw}": ${rej[0]?.reason})`;
    throw new SourceError(`${what}: no hosts: ${why}; an empty inventory is a failure, not an empty fleet — check the input and columns.host`);
  }

  const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const list of groups.values()) list.sort(byteOrder);
  tableRows.sort((a, b) => byteOrder(a.host!, b.host!));
  const result = emptyResult();
  for (const [g, list] of [...groups].sort((a, b) => byteOrder(a[0], b[0]))) result.groups.set(g, list);
  result.tables.set(TABLE_NAME, { columns: [...INVENTORY_FIELDS, ...cfg.flags], rows: tableRows });
  result.rejected.push(...collector.rejected);
  result.notes.push(`hosts ${seen.size}`, ...cfg.flags.map((f) => `${f} ${groups.get(f)!.length}`));
  if (collector.rejected.length > 0) result.notes.push(`refused ${collector.rejected.length}`);
  return result;
}

/**
 * Rows (from CSV, TSV, JSON, or a test) → groups and the inventory table.
 * Pure. Errors name `what:line`; names that cannot be made canonical go to
 * `rejected` with their line.
 */
export function parseInventoryRows(rows: readonly InventoryRow[], cfg: InventoryMapping, rule: HostRule, what: string): SourceResult {
  return parseRows(rows, cfg, rule, what, { loc: (line) => `${what}:${line}` });
}

/** The line each top-level element of a JSON array starts on (the text is valid JSON). */
export function jsonArrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expect = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (expect && c !== ']') {
      lines.push(line);
      expect = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1 && c === '[') expect = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expect = true;
  }
  return lines;
}

function jsonScalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function jsonRows(text: string, cfg: InventoryMapping, what: string): InventoryRow[] {
  const data = parseJson(text, what);
  if (!Array.isArray(data)) {
    throw new SourceError(`${what}: expected a JSON array of objects (one per host), found ${data === null ? 'null' : typeof data}`);
  }
  const lines = jsonArrayElementLines(text);
  const need = new Set(wanted(cfg).map((n) => n.column));
  return data.map((item, i) => {
    const line = lines.length === data.length ? lines[i]! : i + 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new SourceError(`${what}:${line}: expected an object per host, found ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`);
    }
    const record: Record<string, string> = {};
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      const s = jsonScalar(v);
      if (s === undefined && need.has(k)) {
        throw new SourceError(`${what}:${line}: key "${k}" holds ${Array.isArray(v) ? 'an array' : 'an object'}; expected a string, number, boolean or null`);
      }
      record[k] = s ?? '';
    }
    return { line, record };
  });
}

async function delimitedRows(text: string, delimiter: ',' | '\t', what: string): Promise<{ header: string[]; rows: InventoryRow[] }> {
  const { parseString } = await importPackage<typeof import('fast-csv')>('fast-csv');
  return new Promise((resolve, reject) => {
    let header: string[] = [];
    const rows: InventoryRow[] = [];
    // fast-csv does not count lines: a row starts one line after the previous
    // row's start plus the line breaks inside its quoted values.
    let next = 1;
    const advance = (values: string[]): number => {
      const at = next;
      next += 1 + values.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
      return at;
    };
    let failed = false;
    const fail = (e: SourceError) => {
      if (!failed) reject(e);
      failed = true;
    };
    // The first row is the header (names trimmed, so `host, cluster` works).
    const stream = parseString(text, { headers: (hs) => hs.map((h) => h?.trim()), delimiter, strictColumnHandling: true });
    stream
      .on('headers', (h: Array<string | null | undefined>) => {
        header = h.map((c) => String(c ?? ''));
        advance(header);
      })
      .on('data', (r: Record<string, string>) => {
        rows.push({ line: advance(Object.values(r)), record: r });
      })
      .on('data-invalid', (r: unknown) => {
        const values = Array.isArray(r) ? r.map(String) : Object.values(r as Record<string, string>);
        const line = advance(values);
        // An empty line is one empty field: a blank line, not a broken row.
        if (values.every((v) => v.trim() === '')) return;
        fail(new SourceError(`${what}:${line}: ${values.length} ${values.length === 1 ? 'field' : 'fields'}, but the header (line 1) has ${header.length}; every row needs one value per header column`));
        stream.destroy();
      })
      .on('error', (e: Error) => {
        const msg = e.message.replace(/^Unexpected Error: /, '');
        fail(new SourceError(`${what}:${next}: not valid ${delimiter === ',' ? 'CSV' : 'TSV'}: ${msg}`));
      })
      .on('end', () => {
        if (!failed) resolve({ header, rows });
      });
  });
}

/**
 * CSV, TSV or JSON text → groups and the inventory table. A UTF-8 BOM is
 * dropped; CSV and TSV take quoted fields and CRLF line ends.
 */
export async function parseInventoryText(text: string, format: InventoryFormat, cfg: InventoryMapping, rule: HostRule, what: string): Promise<SourceResult> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const loc = (line: number) => `${what}:${line}`;
  if (format === 'json') return parseRows(jsonRows(body, cfg, what), cfg, rule, what, { loc });
  const { header, rows } = await delimitedRows(body, format === 'csv' ? ',' : '\t', what);
  if (header.length === 0) return parseRows([], cfg, rule, what, { loc });
  return parseRows(rows, cfg, rule, what, { loc, header: { columns: header, loc: `${what}:1` } });
}

// ---------------------------------------------------------------- NetBox

function netboxName(v: unknown): string {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of ['slug', 'name', 'value', 'display']) if (typeof o[k] === 'string' && o[k]) return o[k];
  }
  return typeof v === 'string' ? v : '';
}

/**
 * NetBox devices (the `results` of every page) → groups and the inventory
 * table, by the mapping described at the top of this file. Pure.
 */
export function parseNetboxDevices(devices: readonly unknown[], cfg: InventoryMapping, rule: HostRule, what: string): SourceResult {
  const labels: string[] = [];
  const loc = (n: number) => `${what}: device ${n}${labels[n - 1] ? ` (${labels[n - 1]})` : ''}`;
  const rows: InventoryRow[] = [];
  const nameless: Array<{ raw: string; reason: string }> = [];
  const ours = Object.fromEntries(INVENTORY_FIELDS.map((f) => [f, f])) as InventoryColumns;

  devices.forEach((d, i) => {
    const n = i + 1;
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new SourceError(`${loc(n)}: expected a device object`);
    const dev = d as Record<string, unknown>;
    const id = typeof dev.id === 'number' || typeof dev.id === 'string' ? String(dev.id) : '?';
    const name = typeof dev.name === 'string' ? dev.name : '';
    labels[i] = name ? `"${name}", id ${id}` : `id ${id}`;
    if (!name.trim()) {
      nameless.push({ raw: `device id ${id} (${loc(n)})`, reason: 'the device has no name' });
      return;
    }
    const cf = (dev.custom_fields && typeof dev.custom_fields === 'object' ? dev.custom_fields : {}) as Record<string, unknown>;
    const custom = (field: string, key: string, required: boolean): string => {
      if (!(field in cf)) {
        if (!required) return '';
        throw new SourceError(`${loc(n)}: custom field "${field}" (${key}) is not defined; the device has: ${Object.keys(cf).join(', ') || 'no custom fields'}`);
      }
      const v = cf[field];
      const s = jsonScalar(v) ?? (v && typeof v === 'object' && !Array.isArray(v) ? netboxName(v) : undefined);
      if (s === undefined) throw new SourceError(`${loc(n)}: custom field "${field}" (${key}) holds a list; expected one value`);
      return s;
    };
    const pick = (f: Exclude<InventoryField, 'host'>, builtin: () => string, defaultCustom?: string): string => {
      const named = cfg.columns[f];
      const fromCustom = named ? custom(named, `columns.${f}`, true) : defaultCustom ? custom(defaultCustom, f, false) : '';
      return fromCustom.trim() !== '' ? fromCustom : builtin();
    };
    const record: Record<string, string> = {
      host: name,
      role: pick('role', () => netboxName(dev.role ?? dev.device_role)),
      lifecycle: pick('lifecycle', () => netboxName(dev.status)),
      cluster: pick('cluster', () => netboxName(dev.cluster && (dev.cluster as Record<string, unknown>).name), 'cluster'),
      rack: pick('rack', () => netboxName(dev.rack && (dev.rack as Record<string, unknown>).name)),
      datagroup: pick('datagroup', () => '', 'datagroup'),
      ticket: pick('ticket', () => '', 'ticket'),
    };
    for (const flag of cfg.flags) record[flag] = custom(flag, 'flags', true);
    rows.push({ line: n, record });
  });

  if (rows.length === 0 && devices.length > 0) {
    throw new SourceError(`${what}: no hosts: ${devices.length} devices, none with a name; an empty inventory is a failure, not an empty fleet`);
  }
  const result = parseRows(rows, { columns: ours, flags: cfg.flags }, rule, what, { loc });
  result.rejected.unshift(...nameless);
  if (nameless.length > 0) result.notes.push(`unnamed ${nameless.length}`);
  return result;
}

/** The first page's URL: `<url>/api/dcim/devices/?<query>&limit=1000`. */
export function netboxFirstUrl(spec: NetboxSpec): string {
  const q = spec.query.replace(/^\?/, '');
  const limit = new URLSearchParams(q).has('limit') ? '' : 'limit=1000';
  return `${spec.url}/api/dcim/devices/?${[q, limit].filter(Boolean).join('&')}`;
}

/** The Authorization header for a token: v2 tokens (`nbt_…`) are Bearer, v1 tokens `Token`. */
export function netboxAuthorization(token: string): string {
  const t = token.trim();
  if (/^(Token|Bearer) /.test(t)) return t;
  return t.startsWith('nbt_') ? `Bearer ${t}` : `Token ${t}`;
}

const MAX_PAGES = 10_000;

/** Every device of every page; any failure fails the whole fetch. */
export async function fetchNetboxDevices(spec: NetboxSpec, ctx: SourceContext): Promise<{ devices: unknown[]; pages: number }> {
  const token = ctx.env[spec.tokenEnv];
  if (!token || !token.trim()) {
    throw new SourceError(`netbox ${spec.url}: environment variable ${spec.tokenEnv} (token_env) is not set; export the NetBox API token in it`);
  }
  const headers = { authorization: netboxAuthorization(token) };
  const base = new URL(spec.url);
  const devices: unknown[] = [];
  const ids = new Set<string>();
  const visited = new Set<string>();
  let url: string | null = netboxFirstUrl(spec);
  let pages = 0;
  let count: number | null = null;
  while (url !== null) {
    pages++;
    if (visited.has(url)) throw new SourceError(`netbox: page ${pages}: "next" points back to ${url}, a page already read`);
    if (pages > MAX_PAGES) throw new SourceError(`netbox: more than ${MAX_PAGES} pages; narrow the query or raise limit=`);
    visited.add(url);
    let body: string;
    try {
      body = await httpGet(url, ctx, headers);
    } catch (e) {
      throw new SourceError(`netbox: page ${pages} failed, so nothing of this pull is used: ${(e as Error).message}`);
    }
    const page = parseJson(body, `netbox: page ${pages} (GET ${url})`) as Record<string, unknown> | null;
    if (!page || typeof page !== 'object' || !Array.isArray(page.results) || !(page.next === null || typeof page.next === 'string')) {
      throw new SourceError(`netbox: page ${pages} (GET ${url}) is not a NetBox list: expected {"count", "next", "results": [...]}`);
    }
    if (typeof page.count === 'number') count = page.count;
    for (const d of page.results) {
      // Offset paging can show a device twice when the list shifts; read it once.
      const id = d && typeof d === 'object' && 'id' in d ? String((d as { id: unknown }).id) : null;
      if (id !== null) {
        if (ids.has(id)) continue;
        ids.add(id);
      }
      devices.push(d);
    }
    if (page.next) {
      // Follow `next` but keep the configured scheme, host and port: the token
      // goes only where the config says (a proxy may make NetBox write http:// links).
      const n: URL = new URL(page.next, url);
      url = `${base.origin}${n.pathname}${n.search}`;
    } else url = null;
  }
  if (count !== null && count !== devices.length) {
    throw new SourceError(`netbox: the device list changed while it was read (count ${count}, read ${devices.length}); the next pull reads it again`);
  }
  return { devices, pages };
}

// ---------------------------------------------------------------- config

const KEYS = ['file', 'command', 'netbox', 'format', 'columns', 'flags'] as const;
const RESERVED_FLAGS = new Set<string>(['all', ...INVENTORY_FIELDS]);

function configureColumns(f: Field | undefined, where: Field, netbox: boolean): InventoryColumns {
  if (!f) {
    if (netbox) return {};
    where.fail('columns: missing; map at least the host column, e.g. columns: { host: hostname, cluster: cluster }');
  }
  if (netbox) {
    const host = f.map().get('host');
    if (host) host.fail('under netbox the host is the device name; columns: names custom fields for cluster, role, lifecycle, rack, datagroup, ticket');
  }
  const allowed = netbox ? INVENTORY_FIELDS.filter((k) => k !== 'host') : INVENTORY_FIELDS;
  const m = f.map(allowed);
  const out: InventoryColumns = {};
  for (const [k, v] of m) out[k as InventoryField] = v.string();
  if (!netbox && out.host === undefined) f.fail('host: missing; name the column that holds the host name');
  return out;
}

function configureFlags(f: Field | undefined): string[] {
  if (!f || !f.present) return [];
  const out: string[] = [];
  for (const item of f.list()) {
    const name = item.string();
    if (!GROUP_NAME.test(name)) item.fail(`"${name}" is not a group name: lower case letters, digits, "_", "." and "-", starting with a letter, digit or "_"`);
    if (RESERVED_FLAGS.has(name) || name.startsWith('role.') || name.startsWith('lifecycle.')) {
      item.fail(`"${name}" is taken by the inventory's own groups or table columns; rename the column`);
    }
    if (out.includes(name)) item.fail(`"${name}" is listed twice`);
    out.push(name);
  }
  return out;
}

function configureNetbox(f: Field): NetboxSpec {
  const m = f.map(['url', 'token_env', 'query']);
  const urlField = m.get('url') ?? f.fail('url: missing; the NetBox base URL, e.g. https://netbox.example.com');
  const url = urlField.string().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(url)) urlField.fail(`expected an http:// or https:// URL, found "${url}"`);
  try {
    new URL(url);
  } catch {
    urlField.fail(`not a valid URL: "${url}"`);
  }
  if (/\/api(\/|$)/.test(new URL(url).pathname)) urlField.fail(`give the NetBox base URL (without /api/...), found "${url}"`);
  const tokenField = m.get('token_env') ?? f.fail('token_env: missing; the environment variable that holds the API token, e.g. NETBOX_TOKEN');
  const tokenEnv = tokenField.string();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) tokenField.fail(`"${tokenEnv}" is not an environment variable name`);
  const queryField = m.get('query');
  const query = queryField?.present ? queryField.string().replace(/^\?/, '') : '';
  if (queryField && new URLSearchParams(query).has('offset')) queryField.fail('offset= is not allowed: every page is read by following "next"');
  return { url, tokenEnv, query };
}

export const source: SourceType<InventoryConfig> = {
  type: 'inventory',
  keys: KEYS,

  configure(m: Map<string, Field>, where: Field, configDir: string, _dc: DatacenterConfig): InventoryConfig {
    const inputs = (['file', 'command', 'netbox'] as const).filter((k) => m.has(k));
    if (inputs.length !== 1) {
      where.fail(`expected exactly one of file, command, netbox; found ${inputs.length ? inputs.join(', ') : 'none'}`);
    }
    const kind = inputs[0]!;
    let input: InventoryInput;
    if (kind === 'file') input = { kind, path: path.resolve(configDir, m.get('file')!.string()) };
    else if (kind === 'command') {
      const f = m.get('command')!;
      const argv = f.strings();
      if (argv.length === 0) f.fail('the command is empty; give an argument list, e.g. [loony, dump, --dc, dc1]');
      input = { kind, argv };
    } else input = { kind, netbox: configureNetbox(m.get('netbox')!) };

    const formatField = m.get('format');
    let format: InventoryFormat;
    if (kind === 'netbox') {
      if (formatField && formatField.oneOf(['csv', 'tsv', 'json'] as const) !== 'json') formatField.fail('netbox answers in JSON; remove format:');
      format = 'json';
    } else {
      if (!formatField) where.fail(`format: missing; one of csv, tsv, json (how the ${kind} is written)`);
      format = formatField.oneOf(['csv', 'tsv', 'json'] as const);
    }
    const columns = configureColumns(m.get('columns'), where, kind === 'netbox');
    const flags = configureFlags(m.get('flags'));
    return { input, format, columns, flags };
  },

  async pull(config: InventoryConfig, ctx: SourceContext): Promise<SourceResult> {
    const input = config.input;
    if (input.kind === 'netbox') {
      const { devices, pages } = await fetchNetboxDevices(input.netbox, ctx);
      const what = `netbox ${netboxFirstUrl(input.netbox)}`;
      const r = parseNetboxDevices(devices, config, ctx.hostRule, what);
      r.notes.push(`pages ${pages}`);
      return r;
    }
    if (input.kind === 'file') {
      const p = path.resolve(ctx.configDir, input.path);
      return parseInventoryText(readSourceFile(p, ctx), config.format, config, ctx.hostRule, p);
    }
    const text = await runCommand(input.argv, ctx);
    return parseInventoryText(text, config.format, config, ctx.hostRule, `command ${input.argv.join(' ')}`);
  },
};
