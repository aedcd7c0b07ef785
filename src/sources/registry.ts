import type { SourceType } from './types.js';

/**
 * Source types by name. Each module is imported only when a config uses it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySource = SourceType<any>;

const LOADERS: Record<string, () => Promise<{ source: AnySource }>> = {
  inventory: () => import('./inventory.js'),
  prometheus: () => import('./prometheus.js'),
  hdfs: () => import('./hdfs.js'),
  yarn: () => import('./yarn.js'),
  healthcheck: () => import('./healthcheck.js'),
};

export async function loadSourceType(type: string): Promise<AnySource | null> {
  const load = LOADERS[type];
  return load ? (await load()).source : null;
}
