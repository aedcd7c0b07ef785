/**
 * The NameNode's combined hosts file (`dfs.hosts` read by
 * CombinedHostFileManager): one entry per DataNode with `hostName` and
 * optionally `port`, `upgradeDomain`, `adminState` and
 * `maintenanceExpireTimeInMS`. Pure: text in, text out; reading and writing
 * the file on the NameNodes is the caller's business.
 *
 * The file states the admin state an operator wants, not the one the
 * NameNode reports: `DECOMMISSIONED` here while dfsadmin still says
 * "Decommission in progress" is normal.
 *
 * Two NameNode rules shape what the edits below allow (CombinedHostFileManager):
 * - a DataNode may register only if it is listed, unless no entry is NORMAL
 *   (no `adminState`, or `NORMAL`): then every DataNode may. A file that lists
 *   only hosts in maintenance is therefore an "admit everyone" file, and
 *   turning one of its entries NORMAL would lock every unlisted DataNode out.
 * - `maintenanceExpireTimeInMS` counts only with `IN_MAINTENANCE`; without it
 *   the maintenance has no end.
 */

/**
 * One entry, every key kept as read, in the order read (JavaScript keeps
 * insertion order for every key that is not an array index; no key the
 * NameNode knows is one). Treated as immutable: the edits return copies.
 */
export interface HostsJsonEntry {
  hostName: string;
  [key: string]: unknown;
}

/**
 * The states an operator writes (HdfsDataNodeAdminGuide). The enum also has
 * DECOMMISSION_INPROGRESS and ENTERING_MAINTENANCE, which Jackson would read,
 * but those are states the NameNode computes on its way to a target, not
 * targets: CombinedHostFileManager acts only on DECOMMISSIONED and
 * IN_MAINTENANCE, so a host written DECOMMISSION_INPROGRESS is never
 * decommissioned. A file holding either does not mean what it seems to, and
 * is refused with the name to write instead.
 */
export const HOSTS_JSON_STATES = ['NORMAL', 'DECOMMISSIONED', 'IN_MAINTENANCE'] as const;
export type HostsJsonState = (typeof HOSTS_JSON_STATES)[number];

const TRANSIENT: Record<string, string> = {
  DECOMMISSION_INPROGRESS: 'DECOMMISSIONED (the NameNode reports DECOMMISSION_INPROGRESS itself while the node drains)',
  ENTERING_MAINTENANCE: 'IN_MAINTENANCE (the NameNode reports ENTERING_MAINTENANCE itself while the node drains)',
};

/** Where an entry is, for messages: `entry 3` or `entry 3 (line 3)`. */
interface Position {
  index: number;
  line: number | null;
}

const at = (p: Position) => `entry ${p.index}${p.line === null ? '' : ` (line ${p.line})`}`;

/**
 * Parses the file. Accepts the JSON array of Hadoop 3 (HDFS-12473) and the
 * older form, a sequence of JSON objects (one per line in practice), which
 * the NameNode still reads. Empty text is refused rather than read as no
 * entries: a read that failed or was cut off would otherwise be written back
 * as a file without the DECOMMISSIONED entries, recommissioning those hosts.
 */
export function parseHostsJson(text: string, label: string): HostsJsonEntry[] {
  // Jackson skips a byte-order mark; so does this.
  const body = text.replace(/^\uFEFF/, '');
  const first = /\S/.exec(body);
  if (!first) {
    throw new Error(
      `${label}: the file is empty; refusing to read it as "no DataNodes" (a failed read would lose every entry ` +
        'when written back); if it is meant to list none, write [] into it',
    );
  }
  if (body[first.index] === '[') {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      throw new Error(`${label}: not JSON (${jsonError(e, body)}); fix the syntax, or restore the file from its last good copy`);
    }
    if (!Array.isArray(doc)) throw new Error(`${label}: expected a JSON array of DataNode entries`);
    return doc.map((v, i) => checkEntry(v, { index: i + 1, line: null }, label));
  }
  if (body[first.index] === '{') return splitObjects(body, label).map(({ source, line }, i) => {
    const pos = { index: i + 1, line };
    let v: unknown;
    try {
      v = JSON.parse(source);
    } catch (e) {
      throw new Error(
        `${label}: ${at(pos)} is not JSON (${jsonError(e, source)}); each entry of this form is one JSON object ` +
          '(the Hadoop 3 form is a JSON array of them)',
      );
    }
    return checkEntry(v, pos, label);
  });
  throw new Error(
    `${label}: not a combined hosts file: expected a JSON array of entries ([{"hostName": ...}, ...]) or one JSON object ` +
      `per line, found ${JSON.stringify(body.slice(first.index, first.index + 20))} at line ${lineAt(body, first.index)}`,
  );
}

/** Node's JSON errors give a character position; a line number is what an editor can go to. */
function jsonError(e: unknown, text: string): string {
  const msg = (e as Error).message;
  const m = /at position (\d+)/.exec(msg);
  if (!m || /\(line \d+/.test(msg)) return msg;
  return `${msg}, line ${lineAt(text, Number(m[1]))}`;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Cuts the older form into its top-level objects, each with the line it
 * starts on. It only tracks braces outside strings; JSON.parse then judges
 * each piece, so an object spread over several lines is read as the NameNode
 * reads it, and a cut-off last object is an error at its own line.
 */
function splitObjects(text: string, label: string): Array<{ source: string; line: number }> {
  const out: Array<{ source: string; line: number }> = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 0) {
      if (/\s/.test(ch)) continue;
      if (ch !== '{') {
        throw new Error(
          `${label}: line ${line}: ${JSON.stringify(text.slice(i, i + 20))} outside any entry; this form holds only ` +
            'JSON objects, one per line (a "[" starts the array form, which must then be the whole file)',
        );
      }
      start = i;
      startLine = line;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) out.push({ source: text.slice(start, i + 1), line: startLine });
    }
  }
  if (depth !== 0 || inString) out.push({ source: text.slice(start), line: startLine });
  return out;
}

function checkEntry(v: unknown, pos: Position, label: string): HostsJsonEntry {
  const where = `${label}: ${at(pos)}`;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`${where}: expected a JSON object such as {"hostName": "dn01.example.com"}, found ${JSON.stringify(v)}`);
  }
  const e = v as Record<string, unknown>;
  const name = e['hostName'];
  if (typeof name !== 'string' || name.trim() === '') {
    throw new Error(
      `${where}: ${name === undefined ? 'no "hostName"' : `"hostName" is ${JSON.stringify(name)}`}; every entry needs ` +
        'the DataNode\'s host name as a string',
    );
  }
  const who = `${where} (${name})`;
  const state = e['adminState'];
  if (state !== undefined && !(HOSTS_JSON_STATES as readonly unknown[]).includes(state)) {
    const hint = typeof state === 'string' ? TRANSIENT[state] : undefined;
    throw new Error(
      `${who}: adminState ${JSON.stringify(state)} is not one of ${HOSTS_JSON_STATES.join(', ')}; ` +
        (hint ? `write ${hint}` : 'the names are upper case, as in DatanodeInfo.AdminStates; leave the key out for NORMAL'),
    );
  }
  if (e['maintenanceExpireTimeInMS'] !== undefined) expiryOf(e['maintenanceExpireTimeInMS'], who);
  const ud = e['upgradeDomain'];
  if (ud !== undefined && typeof ud !== 'string') {
    throw new Error(`${who}: upgradeDomain ${JSON.stringify(ud)} is not a string; write it in quotes`);
  }
  return e as HostsJsonEntry;
}

/**
 * `maintenanceExpireTimeInMS`: epoch milliseconds, as a number or a numeric
 * string (Hadoop's own legacy test file writes "112233", which Jackson turns
 * into a long). Only integers JavaScript holds exactly are taken: a larger
 * one would be written back changed, and beyond a Java long the NameNode
 * would refuse the whole file.
 */
function expiryOf(v: unknown, who: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    throw new Error(
      `${who}: maintenanceExpireTimeInMS is larger than 2^53 and would not be written back as it is; for maintenance ` +
        'without an end leave the key out (the NameNode then takes Long.MAX_VALUE, its default)',
    );
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(
      `${who}: maintenanceExpireTimeInMS ${JSON.stringify(v)} is not a time in epoch milliseconds ` +
        '(a whole number such as 1712944800000); leave the key out for maintenance without an end',
    );
  }
  return n;
}

const stateOf = (e: HostsJsonEntry): HostsJsonState => (e['adminState'] as HostsJsonState | undefined) ?? 'NORMAL';

/** The file as written back: always the array form, whatever form was read. */
export function serializeHostsJson(entries: HostsJsonEntry[]): string {
  // What this module writes, it must be able to read: the NameNode would refuse worse.
  entries.forEach((e, i) => checkEntry(e, { index: i + 1, line: null }, 'entries to write'));
  return JSON.stringify(entries, null, 2) + '\n';
}

/** Canonical name → the canonical form of each host asked for, refusing names that have none. */
function wanted(hosts: string[], canon: (raw: string) => string | null): Set<string> {
  const out = new Set<string>();
  for (const h of hosts) {
    const c = canon(h);
    if (c === null) throw new Error(`"${h}" is not a host name that can be matched against the hosts file`);
    out.add(c);
  }
  return out;
}

/** The canonical host of an entry; null for one (an IP, say) that matches no host by name. */
function hostOf(e: HostsJsonEntry, canon: (raw: string) => string | null): string | null {
  return canon(e.hostName);
}

/**
 * Puts `hosts` in maintenance until `expireMs` (epoch ms): each entry of such
 * a host (one per port, if the file splits it so) gets
 * `adminState: "IN_MAINTENANCE"` and the expiry, its other keys kept in place;
 * a host without an entry gets `{hostName, adminState, maintenanceExpireTimeInMS}`
 * appended. Entries whose name cannot be made canonical are left as they are.
 *
 * Refused: a DECOMMISSIONED host (when maintenance ended it would come back
 * in service, undoing the decommission), and an edit that leaves no NORMAL
 * entry in a file that had some (the NameNode would then admit every
 * DataNode, listed or not).
 */
export function setMaintenance(
  entries: HostsJsonEntry[],
  hosts: string[],
  expireMs: number,
  canon: (raw: string) => string | null,
): HostsJsonEntry[] {
  expiryOf(expireMs, 'the expiry asked for');
  const want = wanted(hosts, canon);
  const seen = new Set<string>();
  const out = entries.map((e) => {
    const h = hostOf(e, canon);
    if (h === null || !want.has(h)) return { ...e };
    seen.add(h);
    if (stateOf(e) === 'DECOMMISSIONED') {
      throw new Error(
        `${h} is DECOMMISSIONED in the hosts file (entry "${e.hostName}"); putting it in maintenance would bring it back ` +
          'in service when the maintenance ends: recommission it first if that is what is meant',
      );
    }
    // Assigning an existing key keeps its place; a new key goes last.
    return { ...e, adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: expireMs };
  });
  for (const h of want) {
    if (!seen.has(h)) out.push({ hostName: h, adminState: 'IN_MAINTENANCE', maintenanceExpireTimeInMS: expireMs });
  }
  if (entries.some((e) => stateOf(e) === 'NORMAL') && !out.some((e) => stateOf(e) === 'NORMAL')) {
    throw new Error(
      'this would leave no entry in service in the hosts file, and with none the NameNode admits every DataNode, ' +
        'listed or not: list the DataNodes that stay in service before putting the last ones in maintenance',
    );
  }
  return out;
}

/** Keys that say nothing once an entry is back in service in an "admit everyone" file. */
const ONLY_STATE = new Set(['hostName', 'port', 'adminState', 'maintenanceExpireTimeInMS']);

/**
 * Ends the maintenance of `hosts`: their entries lose `adminState` and
 * `maintenanceExpireTimeInMS` (in service again), every other key kept. A
 * DECOMMISSIONED entry is left alone: ending a maintenance must not
 * recommission a host. Hosts without an entry need nothing.
 *
 * In a file with no NORMAL entry (the NameNode admits every DataNode), a
 * host's entry is removed instead when it holds nothing but its state, which
 * means the same; an entry with more (an upgrade domain) is refused, since
 * making it NORMAL would turn the file into a list of the only DataNodes
 * allowed to register.
 */
export function endMaintenance(entries: HostsJsonEntry[], hosts: string[], canon: (raw: string) => string | null): HostsJsonEntry[] {
  const want = wanted(hosts, canon);
  const admitsAll = !entries.some((e) => stateOf(e) === 'NORMAL');
  const out: HostsJsonEntry[] = [];
  for (const e of entries) {
    const h = hostOf(e, canon);
    if (h === null || !want.has(h) || stateOf(e) === 'DECOMMISSIONED') {
      out.push({ ...e });
      continue;
    }
    if (admitsAll) {
      const extra = Object.keys(e).filter((k) => !ONLY_STATE.has(k));
      if (extra.length === 0) continue;
      throw new Error(
        `no entry of the hosts file is in service, so the NameNode admits every DataNode; putting ${h} back in service ` +
          `keeps its entry (it has ${extra.join(', ')}) and would admit only the listed DataNodes: list every DataNode ` +
          'of the cluster in the file first, or remove the entry by hand',
      );
    }
    const { adminState: _state, maintenanceExpireTimeInMS: _expiry, ...rest } = e;
    out.push(rest as HostsJsonEntry);
  }
  return out;
}

/** host → upgrade domain, for the entries that set one; the first entry of a host wins, as file order is all there is. */
export function upgradeDomains(entries: HostsJsonEntry[], canon: (raw: string) => string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const h = hostOf(e, canon);
    const ud = e['upgradeDomain'];
    if (h !== null && typeof ud === 'string' && ud !== '' && !out.has(h)) out.set(h, ud);
  }
  return out;
}

/**
 * host → end of maintenance (epoch ms), or null for maintenance without an
 * end, for the hosts with an IN_MAINTENANCE entry. A host with several such
 * entries (one per port) stays at least partly in maintenance until the last
 * of them ends, so the latest wins, and no end beats any.
 */
export function maintenanceOf(entries: HostsJsonEntry[], canon: (raw: string) => string | null): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const e of entries) {
    const h = hostOf(e, canon);
    if (h === null || stateOf(e) !== 'IN_MAINTENANCE') continue;
    const raw = e['maintenanceExpireTimeInMS'];
    const end = raw === undefined ? null : expiryOf(raw, `${e.hostName}`);
    const prev = out.get(h);
    if (prev === undefined) out.set(h, end);
    else if (prev !== null) out.set(h, end === null ? null : Math.max(prev, end));
  }
  return out;
}
