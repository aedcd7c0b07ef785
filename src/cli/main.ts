import { Command, CommanderError, Option } from 'commander';
import { processDeps, type Deps, type GlobalOptions } from './context.js';
import { exitCodeOf } from './exit.js';
import { writeErr } from '../store/fsio.js';
import { loadBundle } from '../store/esm.js';

/**
 * The command line. Commands are registered here with their options, and each
 * one's module is imported only when it runs, so `breakfix q` does not pay for
 * the sources, the policy or the remote-exec code at start-up.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
/**
 * The second bundle. Built from src/cli/ops.ts; when running from the sources
 * (tests import modules directly) the path is only resolved if a command is run.
 */
function ops(): Promise<typeof import('./ops.js')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return Promise.resolve(loadBundle('ops.cjs', () => require(OPS_BUNDLE)) as typeof import('./ops.js'));
}
declare const OPS_BUNDLE: string;
declare const BREAKFIX_VERSION: string;

type Runner = (args: unknown[], opts: any, g: GlobalOptions, deps: Deps) => Promise<number> | number;

function intArg(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new CommanderError(2, 'breakfix.invalidArgument', `${name} takes a whole number, not "${v}"`);
    return Number(v);
  };
}

export function buildProgram(deps: Deps, done: (code: number) => void): Command {
  const program = new Command('breakfix');
  program
    .description('Fleet health for HDFS/YARN: sorted host files, set algebra, safe budgets.')
    .option('--config <file>', 'config file (default: $BREAKFIX_CONFIG or ./breakfix.yaml)')
    .option('--home <dir>', 'working directory (default: $BREAKFIX_HOME or home: in the config)')
    .option('--dc <name>', 'datacenter')
    .option('--policy <dir>', 'policy directory')
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD (UTC)')
    .option('--no-color', 'plain output even on a terminal')
    .version(BREAKFIX_VERSION, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => writeErr(s) })
    .showSuggestionAfterError(true);

  const lazy = (load: () => Promise<{ run: Runner }>) =>
    async function (this: Command, ...args: unknown[]) {
      const cmd = args[args.length - 1] as Command;
      const opts = cmd.opts();
      const positional = args.slice(0, -2);
      const { run } = await load();
      done(await run(positional, opts, program.opts<GlobalOptions>(), deps));
    };

  program
    .command('q')
    .description('evaluate a set expression: q all - hadoop_exclude and responsive')
    .argument('<expr...>', 'the expression, in one argument or several')
    .option('-c, --count', 'print only the number of hosts')
    .option('--sample <n>', 'print n hosts picked at random (sorted)', intArg('--sample'))
    .option('--seed <seed>', 'seed for --sample, to repeat a pick')
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD')
    .option('--json', 'print {expression, count, hosts} as JSON')
    .option('--fold', 'print the hosts as one folded node set, as nodeset -f does: dw1-dn[001-004].dc1.example.com')
    .allowExcessArguments(false)
    .action(lazy(() => import('./commands/q.js')));

  program
    .command('groups')
    .description('groups and tables of a day: name, kind, count, age, source')
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD')
    .option('--json', 'print JSON')
    .option('--fold', 'each group and its hosts as one folded node set (as cluset -LL lists groups): name, count, nodes')
    .action(lazy(() => import('./commands/groups.js')));

  program
    .command('join')
    .description('rows of a table for the hosts of a group (like join --header -t TAB)')
    .argument('<group>', 'a group name or a path')
    .argument('<table>', 'a table name (inventory) or a path')
    .option('--fields <list>', 'only these columns, comma-separated')
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD')
    .action(lazy(() => import('./commands/join.js')));

  program
    .command('diff')
    .description('what changed between two days: per group counts, or one group\'s +host/-host lines')
    .argument('[groups...]', 'groups to show host by host')
    .option('--from <day>', 'the earlier day', 'yesterday')
    .option('--to <day>', 'the later day', 'today')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/diff.js')));

  program
    .command('which')
    .description('every group and table row that names a host')
    .argument('<host>', 'a host name (a short name gets the configured domain)')
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/which.js')));

  program
    .command('pull')
    .description('run the datacenter\'s sources into today\'s directory')
    .argument('[sources...]', 'only these sources')
    .option('--force', 'pull stable sources again even if pulled today')
    .action(lazy(() => ops().then((m) => m.pull)));

  program
    .command('derive')
    .description('evaluate the policy\'s recipes (groups.yaml) into today\'s directory')
    .action(lazy(() => ops().then((m) => m.derive)));

  const opList = (v: string, prev: string[] = []) => [...prev, v];
  program
    .command('plan')
    .description('budgets and selections from today\'s groups (a dry run) into plans/<pass>/')
    .option('--op <op>', 'only this operation (repeatable)', opList)
    .option('--seed <seed>', 'seed of the shuffle, to repeat a plan exactly')
    .option('--verbose', 'every budget row and refusal, not the one-screen summary')
    .option('--fold', 'chosen hosts as one folded node set each, as nodeset -f prints them')
    .action(lazy(() => ops().then((m) => m.plan)));

  program
    .command('pass')
    .description('pull + derive + plan (+ apply with --apply): one pass')
    .option('--op <op>', 'only this operation (repeatable)', opList)
    .option('--seed <seed>', 'seed of the shuffle, to repeat a pass exactly')
    .option('--force', 'pull stable sources again')
    .option('--apply', 'act on the plan (default: a dry run)')
    .option('--verbose', 'every source line, budget row and refusal, not the one-screen summary')
    .option('--fold', 'chosen hosts as one folded node set each, as nodeset -f prints them')
    .action(lazy(() => ops().then((m) => m.pass)));

  program
    .command('apply')
    .description('act on a saved plan of today, after re-checking every invariant on fresh state')
    .option('--pass <n>', 'the pass to apply (default: the latest)')
    .action(lazy(() => ops().then((m) => m.apply)));

  program
    .command('policy')
    .description('policy explain [CLUSTER] [--history]: why every budget is what it is, and who changed each number; policy diff REV: the budgets a policy change moves; policy check: validate everything')
    .argument('<action>', 'explain, diff or check')
    .argument('[cluster]', 'only this cluster (explain); the git revision to compare with (diff)')
    .option('--json', 'print JSON (explain, diff)')
    .option('--history', 'beside each number and rule, the commit that last changed its line (explain; git)')
    .action(lazy(() => ops().then((m) => m.policy)));

  program
    .command('exec')
    .description('run a command on the hosts of an expression: exec EXPR -- CMD [ARG...]')
    .argument('<expr...>', 'the hosts: a set expression')
    .option('--merge', 'print each distinct output once under its folded hosts, as clush -b does')
    .action(lazy(() => ops().then((m) => m.exec)));

  program
    .command('loop')
    .description('one pass after another for a datacenter, until stopped (run it in tmux)')
    .option('--every <duration>', 'time between passes', '10m')
    .option('--apply', 'act on each plan (default: dry runs)')
    .option('--max-passes <n>', 'stop after n passes', intArg('--max-passes'))
    .option('--seed <seed>', 'seed: pass n uses <seed>.<n>')
    .option('--op <op>', 'only this operation (repeatable)', opList)
    .option('--verbose', 'every source line, budget row, refusal and changed group, not the one-screen summary')
    .option('--fold', 'chosen hosts as one folded node set each, as nodeset -f prints them')
    .action(lazy(() => ops().then((m) => m.loop)));

  program
    .command('pause')
    .description('stop every action of the datacenter (or, with --all, of the home) until resume; passes still plan')
    .requiredOption('--reason <text>', 'why: printed by every pass until resumed')
    .option('--for <duration>', 'end by itself after this long (30m, 2h, 1d)')
    .option('--all', 'every datacenter of the home')
    .action(lazy(() => ops().then((m) => m.pause)));

  program
    .command('resume')
    .description('end a pause')
    .option('--all', 'the pause of every datacenter of the home')
    .action(lazy(() => ops().then((m) => m.resume)));

  program
    .command('release')
    .description('close a host\'s open plans by hand, with who and why')
    .argument('<host>', 'the host (a short name gets the domain)')
    .requiredOption('--reason <text>', 'what was done, for the next person')
    .action(lazy(() => ops().then((m) => m.release)));

  program
    .command('replay')
    .description('rebuild a pass\'s plan from its recorded inputs (byte for byte), or under another policy with --policy')
    .requiredOption('--pass <n>', 'the pass of the day', intArg('--pass'))
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD')
    .option('--policy <dir>', 'what this pass would have done under the policy in dir')
    .option('--json', 'print JSON')
    .action(lazy(() => ops().then((m) => m.replay)));

  program
    .command('simulate')
    .description('what each recorded pass would have chosen under another policy, per op and cluster')
    .requiredOption('--policy <dir>', 'the policy to try')
    .option('--days <n>', 'the last n days (default 7)', intArg('--days'))
    .option('--from <day>', 'the first day (YYYY-MM-DD)')
    .option('--to <day>', 'the last day (YYYY-MM-DD; default today)')
    .option('--json', 'print JSON')
    .addOption(new Option('--shard <i/n>', 'replay block i of n of the passes and print the raw result (used by simulate itself)').hideHelp())
    .action(lazy(() => ops().then((m) => m.simulate)));

  program
    .command('trend')
    .description('numbers and a sparkline per group over passes or days')
    .argument('[groups...]', 'groups (default: every group that changed)')
    .option('--passes <n>', 'the last n passes of the day', intArg('--passes'))
    .option('--days <n>', 'the last count of each of the last n days', intArg('--days'))
    .option('--json', 'print JSON')
    .action(lazy(() => ops().then((m) => m.trend)));

  program
    .command('status')
    .description('one screen per datacenter from its files: loop, last pass, pause, open, stuck, needs-human, failing sources; exit 1 when something needs a person')
    .option('--all', 'one line per datacenter of the home, worst first')
    .option('--json', 'print JSON')
    .action(lazy(() => ops().then((m) => m.status)));

  program
    .command('report')
    .description('one self-contained HTML page: status, group trends, budgets, applied ops, refusals, open plans, needs-human')
    .option('--day <day>', 'today, yesterday or YYYY-MM-DD')
    .option('--days <n>', 'also the last count of each of the last n days', intArg('--days'))
    .option('--all', 'every datacenter of the home, worst first (default file: <home>/report.html)')
    .option('-o, --output <file>', 'where to write it (default: <day>/report.html; - for stdout)')
    .action(lazy(() => ops().then((m) => m.report)));

  program
    .command('demo')
    .description('a simulated datacenter, several passes with --apply, real output; needs nothing installed')
    .option('--home <dir>', 'where to build it (default: a new directory here)')
    .option('--passes <n>', 'how many passes', intArg('--passes'), 5)
    .option('--seed <seed>', 'seed of the simulated datacenter and of the passes', '1')
    .action(lazy(() => ops().then((m) => m.demo)));

  program.addOption(new Option('--trace', 'print stack traces of errors').hideHelp());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const deps = processDeps();
  deps.argv = [...argv];
  // `exec EXPR -- CMD ARGS`: the command's words never go through option parsing.
  const dd = argv.indexOf('--');
  if (dd >= 0 && argv.slice(0, dd).includes('exec')) {
    deps.rest = argv.slice(dd + 1);
    argv = argv.slice(0, dd);
  }
  let code = 0;
  const program = buildProgram(deps, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // `breakfix` alone prints the help, as a usage error.
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      if (e.code === 'breakfix.invalidArgument') writeErr(`breakfix: ${e.message}\n`);
      return 2;
    }
    return exitCodeOf(e, Boolean(program.opts().trace));
  }
}
