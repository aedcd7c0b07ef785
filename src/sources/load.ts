import type { DatacenterConfig } from '../config/config.js';
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
  return out;
}
