import type { DatacenterConfig } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import type { Field } from '../config/yamlsrc.js';
import { loadSourceType } from './registry.js';
import { COMMON_KEYS, type CommonOptions, type SourceType } from './types.js';

/** A source of the config, validated and ready to pull. */
export interface LoadedSource {
  name: string;
  common: CommonOptions;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type: SourceType<any>;
  config: unknown;
}

function common(m: Map<string, Field>): CommonOptions {
  return {
    type: m.get('type')!.string(),
    volatile: m.get('volatile')?.boolean() ?? true,
    timeoutMs: m.get('timeout')?.duration() ?? 300_000,
    maxAgeMs: m.get('max_age')?.duration() ?? null,
  };
}

/**
 * Validates every source of a datacenter with its type, so a typo anywhere
 * stops the pull before anything runs, naming the file, line and key.
 */
export async function loadSources(dc: DatacenterConfig, configDir: string): Promise<LoadedSource[]> {
  const out: LoadedSource[] = [];
  for (const [name, field] of dc.sources) {
    const typeName = field.map().get('type')!.string();
    const type = (await loadSourceType(typeName)) ?? field.map().get('type')!.fail(`type "${typeName}" is not available in this version of breakfix`);
    const m = field.map([...COMMON_KEYS, ...type.keys]);
    const c = common(m);
    out.push({ name, common: c, type, config: type.configure(m, field, configDir, dc) });
  }
  checkNamespaceSources(dc, out);
  return out;
}

/**
 * Every namespace of a federated cluster is read by exactly one source: two
 * sources of one namespace would each write its groups, and a namespace
 * without a source would leave the cluster's combined groups without its
 * opinion (so they are never written, and the cluster's ops are refused).
 */
function checkNamespaceSources(dc: DatacenterConfig, sources: LoadedSource[]): void {
  const readBy = new Map<string, string>();
  for (const s of sources) {
    const ns = s.type.namespaceOf?.(s.config);
    if (!ns) continue;
    const key = `${ns.cluster}/${ns.namespace}`;
    const prev = readBy.get(key);
    if (prev !== undefined) {
      const f = dc.sources.get(s.name)!.map().get('namespace')!;
      f.fail(`namespace ${ns.namespace} of cluster ${ns.cluster} is read by both ${prev} and ${s.name}; each namespace has one source: remove one, or point it at another namespace`);
    }
    readBy.set(key, s.name);
  }
  for (const c of dc.clusters.values()) {
    for (const ns of c.namespaces) {
      if (readBy.has(`${c.name}/${ns.name}`)) continue;
      throw new ConfigError(
        ns.file,
        ns.line,
        `namespace ${ns.name} of cluster ${c.name} has no source: add an hdfs source with cluster: ${c.name} and namespace: ${ns.name} ` +
          `(without its opinion, the cluster's combined HDFS groups cannot be made and its ops are refused)`,
      );
    }
  }
}
