/**
 * The commands that act on a datacenter (sources, policy, remote exec, the
 * loop), bundled apart from the query commands into dist/ops.cjs, so that
 * `breakfix q` starts without reading any of them.
 */
export * as pull from './commands/pull.js';
export * as derive from './commands/derive.js';
export * as plan from './commands/plan.js';
export * as pass from './commands/pass.js';
export * as apply from './commands/apply.js';
export * as policy from './commands/policy.js';
export * as exec from './commands/exec.js';
export * as loop from './commands/loop.js';
export * as trend from './commands/trend.js';
export * as demo from './commands/demo.js';
export * as pause from './commands/pause.js';
export * as resume from './commands/resume.js';
export * as release from './commands/release.js';
export * as status from './commands/status.js';
export * as report from './commands/report.js';
export * as replay from './commands/replay.js';
export * as simulate from './commands/simulate.js';
