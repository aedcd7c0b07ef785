// Set algebra against GNU comm, and start-up against node itself.
import fs from 'node:fs';
import path from 'node:path';
import { RSS_LIMIT_MB, ensureInputs, mb } from '../lib.mjs';

// ---------------------------------------------------------------- cases

const every = (n) => (k) => k % n === 0;
const allBut = (n) => (k) => k % n !== 0;
const all = () => true;

/** The big host list and its subsets, shared by the `minus` and `pipeline` cases. */
function bigInputs(ctx) {
  const files = { a: all, b: every(3), c: every(2), d: allBut(5) };
  const how = ensureInputs(ctx, `big-${ctx.lines}`, ctx.lines, files);
  // The pipeline case reads the same files under the names of its story.
  for (const [alias, target] of [['all', 'a'], ['excl', 'b'], ['resp', 'c'], ['ok', 'd']]) {
    const p = path.join(ctx.dir, alias);
    fs.rmSync(p, { force: true });
    fs.linkSync(path.join(ctx.dir, target), p);
  }
  const size = mb(fs.statSync(path.join(ctx.dir, 'a')).size);
  return `a = ${ctx.lines.toLocaleString('en-US')} hosts (${size}), b = every 3rd, c = every 2nd, d = all but every 5th; ${how}`;
}


const STARTUP_HOSTS = 50_000;


export const minusCase = {
    name: 'minus',
    title: 'a - b',
    setup: bigInputs,
    ours: ['breakfix', 'q', './a - ./b'],
    theirs: ['comm', '-23', 'a', 'b'],
    theirsLabel: 'comm -23',
    target: { ratio: 1.5, rssMB: RSS_LIMIT_MB },
    verify: true,
  };

export const pipelineCase = {
    name: 'pipeline',
    title: 'all - excl & resp & ok',
    setup: bigInputs,
    ours: ['breakfix', 'q', './all - ./excl & ./resp & ./ok'],
    theirs: ['bash', '-c', 'comm -23 all excl | comm -12 - resp | comm -12 - ok'],
    theirsLabel: '3x comm',
    target: { ratio: 1.5, rssMB: RSS_LIMIT_MB },
    verify: true,
  };

export const startupCase = {
    name: 'startup',
    title: `start-up, ${STARTUP_HOSTS / 1000}k hosts`,
    setup(ctx) {
      const how = ensureInputs(ctx, `startup-${STARTUP_HOSTS}`, STARTUP_HOSTS, { x: all, y: every(2) });
      return `x = ${STARTUP_HOSTS.toLocaleString('en-US')} hosts, y = every 2nd; ${how}`;
    },
    ours: ['breakfix', 'q', './x - ./y'],
    theirs: ['node', '-e', '0'],
    theirsLabel: 'node -e 0',
    runs: 20,
    target: { ratio: 1.3 },
    verify: false,
  };

/** The same query where an SRE runs it: beside a config (read, validated, its home found). */
export const startupConfigCase = {
    name: 'startup-config',
    title: `start-up with a config, ${STARTUP_HOSTS / 1000}k hosts`,
    setup(ctx) {
      const how = ensureInputs(ctx, `startup-${STARTUP_HOSTS}`, STARTUP_HOSTS, { x: all, y: every(2) });
      const dir = path.join(ctx.dir, 'startup-config');
      fs.mkdirSync(path.join(dir, 'home', 'dc1'), { recursive: true });
      const clusters = Array.from({ length: 40 }, (_, i) => {
        const c = `c${String(i + 1).padStart(2, '0')}`;
        return `      ${c}: { namenodes: [${c}-nn1.dc1.example.com, ${c}-nn2.dc1.example.com], resourcemanagers: [${c}-rm1.dc1.example.com] }`;
      });
      fs.writeFileSync(
        path.join(dir, 'breakfix.yaml'),
        ['home: ./home', 'hostnames: { domain: dc1.example.com }', 'datacenters:', '  dc1:', '    clusters:', ...clusters, '    sources: {}', ''].join('\n'),
      );
      return `x, y as above; a config of 40 clusters; ${how}`;
    },
    ours: ['breakfix', '--config', 'startup-config/breakfix.yaml', 'q', './x - ./y'],
    theirs: ['node', '-e', '0'],
    theirsLabel: 'node -e 0',
    runs: 20,
    target: { ratio: 1.5 },
    verify: false,
  };
