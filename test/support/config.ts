// Config values for unit tests, with every field the types require filled with its default.
import type { ClusterConfig, DatacenterConfig } from '../../src/config/config.js';
import { COMMON_KEYS, type SourceType } from '../../src/sources/types.js';
import { ConfigError } from '../../src/config/errors.js';
import { Field, YamlFile } from '../../src/config/yamlsrc.js';
import { thrown } from './thrown.js';

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
    hdfsHostsJson: null,
    namespaces: [],
    ...c,
  };
}


/** Runs a source type's configure() over YAML text, as the config loader does, from /etc/breakfix/breakfix.yaml. */
export function configureSource<C>(source: SourceType<C>, text: string, where: string, dc: DatacenterConfig): C {
  const yaml = new YamlFile('/etc/breakfix/breakfix.yaml', text);
  const field = new Field(yaml, yaml.root, where);
  return source.configure(field.map([...COMMON_KEYS, ...source.keys]), field, '/etc/breakfix', dc);
}

/** The ConfigError a call throws; fails the test when it throws nothing or something else. */
export function configErrorOf(fn: () => unknown): ConfigError {
  return thrown(ConfigError, fn);
}
