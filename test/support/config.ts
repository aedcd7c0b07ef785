// Config values for unit tests, with every field the types require filled with its default.
import type { ClusterConfig } from '../../src/config/config.js';

export function cluster(c: Pick<ClusterConfig, 'name'> & Partial<ClusterConfig>): ClusterConfig {
  return {
    namenodes: [],
    resourcemanagers: [],
    headnodes: [],
    hdfsExclude: '/etc/hadoop/conf/dfs.exclude',
    yarnExclude: '/etc/hadoop/conf/yarn.exclude',
    hdfsCommand: ['hdfs'],
    yarnCommand: ['yarn'],
    decommissionTimeoutS: 3600,
    ...c,
  };
}
