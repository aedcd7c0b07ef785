import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, tempNameFor, writeFileAtomic } from '../../src/store/atomic.js';
import { dayOf, DayError, ensureDayDir, listDays, listEntries, previousDay, resolveDayDir } from '../../src/store/layout.js';
import { tempDirs } from '../support/cli.js';

const tempDir = tempDirs();

const at = (iso: string) => new Date(iso);
const link = (dcDir: string, name: string) => {
  try {
    return fs.readlinkSync(path.join(dcDir, name));
  } catch {
    return null;
  }
};

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

describe('days', () => {
  it('names the UTC day of an instant', () => {
    expect(dayOf(at('2026-11-21T23:59:59.999Z'))).toBe('2026-11-21');
    expect(dayOf(at('2026-11-22T00:00:00.000Z'))).toBe('2026-11-22');
    // 23:30 in New York on the 21st is already the 22nd in UTC.
    expect(dayOf(at('2026-11-21T23:30:00-05:00'))).toBe('2026-11-22');
  });

  it('steps back over month, year and leap-day ends', () => {
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2024-03-01')).toBe('2024-02-29');
    expect(previousDay('2026-01-01')).toBe('2025-12-31');
    expect(previousDay('2026-11-22')).toBe('2026-11-21');
  });
});

describe('ensureDayDir', () => {
  let dc: string;
  beforeEach(() => {
    dc = path.join(tempDir(), 'dc1');
  });

  it('makes the day directory with its .meta and points today at it', () => {
    const dir = ensureDayDir(dc, at('2026-11-20T08:00:00Z'));
    expect(dir).toBe(path.join(dc, '2026-11-20'));
    expect(fs.statSync(path.join(dir, '.meta')).isDirectory()).toBe(true);
    expect(link(dc, 'today')).toBe('2026-11-20');
    expect(link(dc, 'yesterday')).toBeNull();
  });

  it('moves today and yesterday when the day turns, and only then', () => {
    ensureDayDir(dc, at('2026-11-20T23:59:00Z'));
    ensureDayDir(dc, at('2026-11-21T00:01:00Z'));
    expect([link(dc, 'today'), link(dc, 'yesterday')]).toEqual(['2026-11-21', '2026-11-20']);
    ensureDayDir(dc, at('2026-11-21T23:00:00Z'));
    expect([link(dc, 'today'), link(dc, 'yesterday')]).toEqual(['2026-11-21', '2026-11-20']);
    // After days without a pass, yesterday is the last day that had one.
    ensureDayDir(dc, at('2026-11-25T06:00:00Z'));
    expect([link(dc, 'today'), link(dc, 'yesterday')]).toEqual(['2026-11-25', '2026-11-21']);
    expect(listDays(dc)).toEqual(['2026-11-20', '2026-11-21', '2026-11-25']);
  });

  it('finds yesterday among the day directories when there is no today link', () => {
    fs.mkdirSync(path.join(dc, '2026-11-10'), { recursive: true });
    fs.mkdirSync(path.join(dc, '2026-11-12'), { recursive: true });
    fs.mkdirSync(path.join(dc, '2026-11-30'), { recursive: true });
    ensureDayDir(dc, at('2026-11-15T00:00:00Z'));
    expect([link(dc, 'today'), link(dc, 'yesterday')]).toEqual(['2026-11-15', '2026-11-12']);
  });

  it('keeps what a day directory holds', () => {
    const dir = ensureDayDir(dc, at('2026-11-20T08:00:00Z'));
    fs.writeFileSync(path.join(dir, 'all'), 'a\n');
    ensureDayDir(dc, at('2026-11-20T09:00:00Z'));
    ensureDayDir(dc, at('2026-11-21T09:00:00Z'));
    expect(fs.readFileSync(path.join(dc, 'yesterday', 'all'), 'utf8')).toBe('a\n');
  });

  it('removes temporary files that dead writers left, and no others', () => {
    const dir = path.join(dc, '2026-11-20');
    fs.mkdirSync(path.join(dir, '.meta'), { recursive: true });
    const dead = deadPid();
    const live = process.ppid;
    const names = {
      deadGroup: `.all.${dead}.1a2b3c.tmp`,
      deadMeta: `.all.json.${dead}.ff.tmp`,
      liveGroup: `.all.${live}.abc.tmp`,
      ownGroup: `.all.${process.pid}.abc.tmp`,
      notTemp: '.all.notes',
      group: 'all',
    };
    for (const n of [names.deadGroup, names.liveGroup, names.ownGroup, names.notTemp, names.group]) fs.writeFileSync(path.join(dir, n), 'x\n');
    fs.writeFileSync(path.join(dir, '.meta', names.deadMeta), '{}');
    ensureDayDir(dc, at('2026-11-20T10:00:00Z'));
    expect(fs.readdirSync(dir).sort()).toEqual(['.meta', names.liveGroup, names.ownGroup, names.notTemp, names.group].sort());
    expect(fs.readdirSync(path.join(dir, '.meta'))).toEqual([]);
  });

  it('removes the link a dead pass was moving', () => {
    fs.mkdirSync(dc, { recursive: true });
    const stale = path.basename(tempNameFor(path.join(dc, 'today'))).replace(`.${process.pid}.`, `.${deadPid()}.`);
    fs.symlinkSync('2026-11-19', path.join(dc, stale));
    ensureDayDir(dc, at('2026-11-20T10:00:00Z'));
    expect(fs.readdirSync(dc).sort()).toEqual(['2026-11-20', 'today']);
  });
});

describe('temporary names and atomic writes', () => {
  it('names temporary files so that a later pass recognises them', () => {
    const dir = tempDir();
    const tmpName = path.basename(tempNameFor(path.join(dir, 'hdfs-dead')));
    expect(tmpName.startsWith('.hdfs-dead.')).toBe(true);
    // The same name, as a writer that has since died would have made it.
    const orphan = tmpName.replace(`.${process.pid}.`, `.${deadPid()}.`);
    fs.writeFileSync(path.join(dir, tmpName), '');
    fs.writeFileSync(path.join(dir, orphan), '');
    expect(removeStaleTemps(dir)).toEqual([orphan]);
    expect(fs.readdirSync(dir)).toEqual([tmpName]);
  });

  it('replaces a file whole and leaves no temporary file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    writeFileAtomic(file, 'old\n');
    writeFileAtomic(file, Buffer.from('new\n'));
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });
});

describe('resolveDayDir', () => {
  const now = at('2026-11-22T05:00:00Z');

  it('follows the today and yesterday links, else uses the calendar', () => {
    const dc = tempDir();
    expect(resolveDayDir(dc, 'today', now)).toBe(path.join(dc, '2026-11-22'));
    expect(resolveDayDir(dc, 'yesterday', now)).toBe(path.join(dc, '2026-11-21'));
    fs.mkdirSync(path.join(dc, '2026-11-19'));
    fs.symlinkSync('2026-11-19', path.join(dc, 'today'));
    expect(resolveDayDir(dc, 'today', now)).toBe(path.join(dc, 'today'));
    expect(fs.realpathSync(resolveDayDir(dc, 'today', now))).toBe(fs.realpathSync(path.join(dc, '2026-11-19')));
    expect(resolveDayDir(dc, '2026-01-31', now)).toBe(path.join(dc, '2026-01-31'));
  });

  it.each(['2026-1-31', 'tomorrow', '2026-11-22x', '../2026-11-22', '2026-13-01'])('refuses %j', (spec) => {
    expect(() => resolveDayDir('/nowhere', spec, now)).toThrow(DayError);
  });
});

describe('listEntries', () => {
  it('lists groups and tables in byte order, leaving out dot files, logs, counts and directories', () => {
    const dir = tempDir();
    for (const n of ['b', 'B', 'a-b', 'inventory.tsv', 'transcript.log', 'counts.tsv', 'pull.log', '.hidden']) fs.writeFileSync(path.join(dir, n), '');
    fs.mkdirSync(path.join(dir, 'plans'));
    expect(listEntries(dir)).toEqual([
      { name: 'B', kind: 'group' },
      { name: 'a-b', kind: 'group' },
      { name: 'b', kind: 'group' },
      { name: 'inventory.tsv', kind: 'table' },
    ]);
  });
});
