import type { Op } from './types.js';

/** A host an applied plan is acting on, open until the sources show the op finished. */
export interface OpenEntry {
  host: string;
  cluster: string;
  op: Op;
  day: string;
  pass: number;
  applied: string;
  /** For down ops through HDFS maintenance: when the maintenance expires (set in the combined hosts file). */
  maintenance?: { expires: string };
  /** Through maintenance: when the op's command ran; null while waiting for HDFS to report In maintenance. */
  ran?: string | null;
  /** How the command ended when not plainly ok (`unreachable`: the host went away with the connection). */
  result?: string;
  /** A drain or return some namespaces of a federated cluster have not taken yet (their file or refresh failed): retried each pass. */
  pending?: string[];
}

/** What the sources show this pass, as membership tests. */
export interface FinishView {
  /** null when the group does not exist today. */
  has(group: string, host: string): boolean | null;
  healthOk(cluster: string): boolean;
  /** Federated clusters: the namespaces that still count on the host (live there, not decommissioned), or null. */
  countedOn?(host: string): string | null;
}

/**
 * Whether the sources show an applied op finished (pure). A drain finishes
 * when HDFS shows the host decommissioned (or dead: HDFS re-replicates a dead
 * node's blocks itself) and the cluster has no missing blocks and replication
 * under the limit; a rekick when the provisioning system lists the host as
 * rekicked; a reboot when the host answers again; a return when HDFS has it in
 * service. Ops with no signal of their own finish at the next pass.
 */
export function isFinished(e: OpenEntry, v: FinishView, appliedThisPass: boolean): { done: boolean; why: string } {
  if (appliedThisPass) return { done: false, why: 'applied this pass' };
  // Coming out of maintenance is an action (the hosts file and a refresh): the workflow closes these.
  if (e.maintenance) return { done: false, why: 'in the HDFS maintenance workflow' };
  if (e.pending && e.pending.length > 0) return { done: false, why: `namespace ${e.pending.join(', ')} has not taken the ${e.op} yet` };
  switch (e.op) {
    case 'drain': {
      const out = v.has('hdfs-decommissioned', e.host) === true || v.has('hdfs-dead', e.host) === true;
      if (!out) return { done: false, why: 'not decommissioned yet' };
      const held = v.countedOn?.(e.host) ?? null;
      if (held) return { done: false, why: `not out of every namespace yet: still live in ${held}` };
      if (!v.healthOk(e.cluster)) return { done: false, why: 'decommissioned, waiting for replication to catch up' };
      return { done: true, why: 'decommissioned and replication healthy' };
    }
    case 'rekick': {
      const back = v.has('rekicked', e.host);
      if (back === null) {
        const running = v.has('rekick-in-progress', e.host);
        return running === false ? { done: true, why: 'no longer being reimaged' } : { done: false, why: 'being reimaged' };
      }
      return back ? { done: true, why: 'reimaged' } : { done: false, why: 'being reimaged' };
    }
    case 'reboot': {
      const up = v.has('responsive', e.host);
      return up === false ? { done: false, why: 'not answering yet' } : { done: true, why: 'answering again' };
    }
    case 'return': {
      const ins = v.has('hdfs-in-service', e.host);
      return ins === false ? { done: false, why: 'not in service yet' } : { done: true, why: 'in service' };
    }
    default:
      return { done: true, why: 'no signal to wait for' };
  }
}
