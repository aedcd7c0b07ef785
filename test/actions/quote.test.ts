// shellQuote and the command strings built from it: whatever the argument,
// a POSIX shell that reads the quoted form hands the command the argument
// exactly as it was.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remoteCommand, shellCommand, shellQuote, withHost } from '../../src/actions/quote.js';

/** sh, and bash and dash when present: the shells a remote host may run the command with. */
const SHELLS = ['sh', 'bash', 'dash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

/** What `printf '%s\n'` prints for these arguments once `shell` has read their quoted form. */
function roundTrip(shell: string, quoted: string): Buffer {
  const r = spawnSync(shell, ['-c', `sh -c 'printf "%s\\n" "$@"' sh ${quoted}`], { maxBuffer: 1 << 24 });
  if (r.error) throw r.error;
  expect(r.stderr.toString()).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const expected = (args: string[]) => Buffer.from(args.map((a) => `${a}\n`).join(''));

/** Characters a shell gives a meaning to, and then any code point but NUL (which no argument can hold). */
const SPECIAL = [...' \t\n\r\'"\\$`!*?[]{}()<>|&;#~=%^,.:/@+-'];
const char = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0' && Buffer.from(c).toString() === c) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'Z', '0', '_', 'é', '日', '✓', '\u2028', '\x7f', '\x1b') },
);
const arg = fc.string({ unit: char, maxLength: 24 });

describe('shellQuote', () => {
  it.each([
    ['abc', 'abc'],
    ['dn01.dc1.example.com', 'dn01.dc1.example.com'],
    ['--opt=a,b:c/d@e%f+g', '--opt=a,b:c/d@e%f+g'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ["'", "''\\'''"],
    ['$(id)', "'$(id)'"],
    ['`id`', "'`id`'"],
    ['a;b', "'a;b'"],
    ['*', "'*'"],
    ['~', "'~'"],
    ['new\nline', "'new\nline'"],
    ['é', "'é'"],
  ])('%j → %s', (input, want) => {
    expect(shellQuote(input)).toBe(want);
  });

  it('leaves a word of safe characters as it is, and quotes anything else', () => {
    fc.assert(
      fc.property(arg, (a) => {
        const q = shellQuote(a);
        if (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) expect(q).toBe(a);
        else expect(q.startsWith("'") && q.endsWith("'")).toBe(true);
      }),
    );
  });

  for (const shell of SHELLS) {
    it(`round-trips any arguments through ${shell}`, () => {
      fc.assert(
        fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), (args) => {
          expect(roundTrip(shell, args.map(shellQuote).join(' '))).toEqual(expected(args));
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('the command strings', () => {
  it('shellCommand joins quoted arguments with spaces', () => {
    expect(shellCommand(['printf', '%s\n', "it's", 'a b', ''])).toBe("printf '%s\n' 'it'\\''s' 'a b' ''");
  });

  it('remoteCommand bounds the command with timeout and still hands over every argument exactly', () => {
    expect(remoteCommand(['uptime'], 30_000)).toBe('timeout -k 5 32 uptime');
    expect(remoteCommand(['true'], 1500)).toBe('timeout -k 5 4 true');
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 5 }), (args) => {
        const r = spawnSync('sh', ['-c', remoteCommand(['printf', '%s\\n', ...args], 5000)]);
        expect(r.status).toBe(0);
        expect(r.stdout).toEqual(expected(args));
      }),
      { numRuns: 40 },
    );
  });

  it('withHost fills in every {host} and leaves the rest alone', () => {
    expect(withHost(['echo', '{host}', 'x{host}y{host}', '{hos}', '{HOST}'], 'dn01.a.com')).toEqual(['echo', 'dn01.a.com', 'xdn01.a.comydn01.a.com', '{hos}', '{HOST}']);
  });
});
