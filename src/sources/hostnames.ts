/** The canonicalisation rule of the config (`hostnames:`). */
export interface HostRule {
  /** Appended to short names; null: short names are refused. */
  domain: string | null;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HOST = /^[a-z0-9][a-z0-9.-]*$/;
/** A label that starts or ends with `-` (a regex: splitting every name into labels showed in profiles). */
const BAD_LABEL = /(^|\.)-|-(\.|$)/;

export type Canonical = { host: string; error?: undefined } | { host?: undefined; error: string };

/**
 * The one rule every source uses (DESIGN §4): lower-case, strip a `:port`,
 * append the configured domain to a short name. An IP address, an empty
 * name or one with characters a host name cannot have is refused with the
 * reason; the caller reports it and leaves it out.
 */
export function canonicalHost(raw: string, rule: HostRule): Canonical {
  let h = raw.trim().toLowerCase();
  if (h === '') return { error: 'empty name' };
  const port = /^(.*):(\d+|-1)$/.exec(h);
  if (port) h = port[1]!;
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (IPV4.test(h) || h.includes(':')) return { error: 'an IP address, not a host name' };
  if (!HOST.test(h)) return { error: 'not a host name (allowed: a-z 0-9 . -, starting with a letter or digit)' };
  if (h.includes('..') || BAD_LABEL.test(h)) {
    return { error: 'not a host name (empty label, or a label starting or ending with -)' };
  }
  if (!h.includes('.')) {
    if (!rule.domain) return { error: 'a short name, and no hostnames.domain is configured to complete it' };
    h = `${h}.${rule.domain}`;
  }
  if (Buffer.byteLength(h) > 253) return { error: 'longer than 253 bytes' };
  return { host: h };
}

/** True for names that may reach a remote command (DESIGN §6.7). */
export function isCanonicalHost(name: string): boolean {
  return canonicalHost(name, { domain: null }).host === name;
}

/**
 * Collects hosts for a source: canonical names are kept, the rest are
 * remembered with the reason, so the pull can report them.
 */
export class HostCollector {
  readonly rejected: Array<{ raw: string; reason: string }> = [];
  constructor(private readonly rule: HostRule) {}

  /** The canonical host, or null (and the reason recorded). */
  take(raw: string, context: string | (() => string) = ''): string | null {
    const c = canonicalHost(raw, this.rule);
    if (c.host !== undefined) return c.host;
    const where = typeof context === 'function' ? context() : context;
    this.rejected.push({ raw: where ? `${raw} (${where})` : raw, reason: c.error });
    return null;
  }
}
