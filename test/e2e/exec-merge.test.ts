// exec --merge end to end with the local adapter: hosts with the same output
// are printed once under their folded node set (clush -b), and each host's
// output file is written as without --merge.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { breakfix, tempDirs } from '../support/cli.js';

const tmp = tempDirs();

describe('exec --merge', () => {
  it('groups identical outputs under folded hosts and keeps the per-host files', () => {
    const cwd = tmp('breakfix-merge-');
    fs.writeFileSync(
      path.join(cwd, 'breakfix.yaml'),
      ['home: ./home', 'datacenters:', '  lab:', '    sources: {}', '    exec: { adapter: local, concurrency: 4, timeout: 30s, connect_timeout: 5s }', ''].join('\n'),
    );
    const script = 'case {host} in n[12].*|n10.*) echo hello;; n3.*) echo other; echo two;; n4.*) printf noeol;; *) echo bad; exit 3;; esac';
    const r = breakfix(['--config', 'breakfix.yaml', 'exec', '--merge', '@n[1-5,10].x.example.com', '--', 'sh', '-c', script], { cwd });
    expect(r.code).toBe(1);
    const dir = /^output in (.*)$/m.exec(r.out)![1]!;
    expect(r.out).toBe(
      [
        '---------------',
        'n[1-2,10].x.example.com (3)',
        '---------------',
        'hello',
        '---------------',
        'n3.x.example.com',
        '---------------',
        'other',
        'two',
        '---------------',
        'n4.x.example.com',
        '---------------',
        'noeol',
        '---------------',
        'n5.x.example.com',
        '---------------',
        'bad',
        'failed      n5.x.example.com (1)',
        `output in ${dir}`,
        'ok 5 failed 1 timeout 0 unreachable 0',
        '',
      ].join('\n'),
    );
    expect(fs.readFileSync(path.join(cwd, dir, 'n4.x.example.com.out'), 'utf8')).toBe('noeol');
    expect(fs.readFileSync(path.join(cwd, dir, 'n10.x.example.com.out'), 'utf8')).toBe('hello\n');
    expect(fs.readFileSync(path.join(cwd, dir, 'exec-ok'), 'utf8')).toBe('n1.x.example.com\nn10.x.example.com\nn2.x.example.com\nn3.x.example.com\nn4.x.example.com\n');
  });
});
