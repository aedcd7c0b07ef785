// Pause files: the pure decision over their texts (every way a file can be
// wrong pauses, with the fix), then the files themselves in a temporary home.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePause, pauseDecision, pauseLine, readPauseState, removePause, writePause, type Pause } from '../../src/store/pause.js';
import { tempDirs } from '../support/cli.js';

const tempDir = tempDirs();
const NOW = new Date('2026-11-21T12:00:00.000Z');
const DC = '/srv/breakfix/dc1/pause.json';
const HOME = '/srv/breakfix/pause.json';

const P: Pause = { by: 'ana@ops1', reason: 'namenode upgrade', since: '2026-11-21T10:00:00.000Z', until: '2026-11-21T14:00:00.000Z' };
const json = (v: unknown) => JSON.stringify(v);

describe('pauseDecision', () => {
  it('no files: not paused', () => {
    expect(pauseDecision([{ file: DC, text: null }, { file: HOME, text: null, all: true }], NOW)).toEqual({
      paused: false,
      pause: null,
      file: null,
      expired: [],
      errors: [],
    });
  });

  it('a pause of the datacenter, or of all', () => {
    expect(pauseDecision([{ file: DC, text: json(P) }, { file: HOME, text: null, all: true }], NOW)).toEqual({ paused: true, pause: P, file: DC, expired: [], errors: [] });
    expect(pauseDecision([{ file: DC, text: null }, { file: HOME, text: json(P), all: true }], NOW)).toMatchObject({ paused: true, pause: P, file: HOME });
  });

  it('both: the datacenter’s is the one reported', () => {
    const all = { ...P, by: 'bo@ops2', until: null };
    expect(pauseDecision([{ file: DC, text: json(P) }, { file: HOME, text: json(all), all: true }], NOW)).toMatchObject({ paused: true, pause: P, file: DC });
  });

  it('until ≤ now has expired: reported, not paused; until > now pauses', () => {
    const ends = (until: string) => pauseDecision([{ file: DC, text: json({ ...P, until }) }], NOW);
    expect(ends('2026-11-21T12:00:00.000Z')).toEqual({ paused: false, pause: null, file: null, expired: [{ file: DC, pause: { ...P, until: '2026-11-21T12:00:00.000Z' } }], errors: [] });
    expect(ends('2026-11-21T11:00:00Z').paused).toBe(false);
    expect(ends('2026-11-21T12:00:00.001Z').paused).toBe(true);
    // the same instant written with an offset
    expect(ends('2026-11-21T04:00:01-08:00').paused).toBe(true);
    expect(ends('2026-11-21T04:00:00-08:00').paused).toBe(false);
  });

  it('an expired datacenter pause does not hide a live pause of all', () => {
    const old = { ...P, until: '2026-11-21T11:00:00.000Z' };
    const s = pauseDecision([{ file: DC, text: json(old) }, { file: HOME, text: json({ ...P, until: null }), all: true }], NOW);
    expect(s).toMatchObject({ paused: true, file: HOME, expired: [{ file: DC, pause: old }] });
  });

  it('until null, or left out by hand, lasts until resumed', () => {
    expect(pauseDecision([{ file: DC, text: json({ ...P, until: null }) }], NOW).pause!.until).toBeNull();
    const { until: _, ...noUntil } = P;
    expect(pauseDecision([{ file: DC, text: json(noUntil) }], NOW)).toMatchObject({ paused: true, pause: { ...P, until: null } });
  });

  // [what, text, the problem named]
  const corrupt: Array<[string, string, RegExp]> = [
    ['empty', '', /not valid JSON/],
    ['cut short', '{"by": "ana@ops1", "reas', /not valid JSON/],
    ['not an object', '["ana"]', /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['no reason', json({ ...P, reason: undefined }), /"reason" is missing or empty/],
    ['an empty reason', json({ ...P, reason: '  ' }), /"reason" is missing or empty/],
    ['no by', json({ ...P, by: undefined }), /"by" is missing or empty/],
    ['since not a time', json({ ...P, since: 'this morning' }), /"since" is not an ISO 8601 time with a zone: "this morning"/],
    ['since without a zone', json({ ...P, since: '2026-11-21T10:00:00' }), /"since" is not an ISO 8601 time with a zone/],
    ['until not a time', json({ ...P, until: '2026-13-45T99:00:00Z' }), /"until" is neither null nor an ISO 8601 time/],
    ['until a number', json({ ...P, until: 1763726400000 }), /"until" is neither null nor an ISO 8601 time/],
  ];
  it.each(corrupt)('a corrupt file pauses: %s', (_what, text, problem) => {
    const s = pauseDecision([{ file: DC, text }], NOW);
    expect(s.paused).toBe(true);
    expect(s.pause).toBeNull();
    expect(s.file).toBe(DC);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatch(problem);
    expect(s.errors[0]!.startsWith(`${DC}: `)).toBe(true);
    expect(s.errors[0]).toMatch(/the datacenter stays paused: fix or remove it with `breakfix resume`$/);
  });

  it('a corrupt file for all names resume --all; an unreadable one pauses too', () => {
    const s = pauseDecision([{ file: DC, text: null, readError: 'cannot be read (EACCES)' }, { file: HOME, text: '{', all: true }], NOW);
    expect(s.paused).toBe(true);
    expect(s.file).toBe(DC);
    expect(s.errors).toEqual([
      `${DC}: cannot be read (EACCES); the datacenter stays paused: fix or remove it with \`breakfix resume\``,
      expect.stringMatching(/^\/srv\/breakfix\/pause\.json: not valid JSON .*; every datacenter stays paused: fix or remove it with `breakfix resume --all`$/),
    ]);
  });

  it('a good pause and a corrupt file: paused, the good one reported, the error kept', () => {
    const s = pauseDecision([{ file: DC, text: 'garbage' }, { file: HOME, text: json(P), all: true }], NOW);
    expect(s).toMatchObject({ paused: true, pause: P, file: HOME });
    expect(s.errors).toHaveLength(1);
  });

  it('unknown keys are ignored, so an older breakfix reads a newer file', () => {
    expect(parsePause(json({ ...P, ticket: 'OPS-1' }))).toEqual(P);
  });
});

describe('pauseLine', () => {
  it('with and without until', () => {
    expect(pauseLine(P)).toBe('paused by ana@ops1 since 2026-11-21T10:00:00.000Z: namenode upgrade (until 2026-11-21T14:00:00.000Z)');
    expect(pauseLine({ ...P, until: null })).toBe('paused by ana@ops1 since 2026-11-21T10:00:00.000Z: namenode upgrade (until resumed)');
  });
});

describe('pause files on disk', () => {
  it('write, read back, remove', () => {
    const home = tempDir();
    const dc = path.join(home, 'dc1');
    expect(readPauseState(home, dc, NOW)).toEqual({ paused: false, pause: null, file: null, expired: [], errors: [] });

    const file = path.join(dc, 'pause.json');
    writePause(file, P); // creates the dc directory
    expect(fs.readFileSync(file, 'utf8')).toBe(JSON.stringify(P, null, 2) + '\n');
    expect(readPauseState(home, dc, NOW)).toEqual({ paused: true, pause: P, file, expired: [], errors: [] });
    // no temporary file is left beside it
    expect(fs.readdirSync(dc)).toEqual(['pause.json']);

    writePause(path.join(home, 'pause.json'), { ...P, until: null });
    expect(removePause(file)).toBe(true);
    expect(removePause(file)).toBe(false);
    expect(readPauseState(home, dc, NOW)).toMatchObject({ paused: true, file: path.join(home, 'pause.json'), pause: { until: null } });
    expect(removePause(path.join(home, 'pause.json'))).toBe(true);
    expect(readPauseState(home, dc, NOW).paused).toBe(false);
  });

  it('writing replaces a pause whole', () => {
    const dc = tempDir();
    const file = path.join(dc, 'pause.json');
    writePause(file, P);
    writePause(file, { ...P, reason: 'longer', until: null });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ ...P, reason: 'longer', until: null });
  });

  it('refuses to write what it would read as corrupt', () => {
    const dc = tempDir();
    expect(() => writePause(path.join(dc, 'pause.json'), { ...P, reason: '' })).toThrow(/not writing .*pause\.json: "reason" is missing/);
    expect(() => writePause(path.join(dc, 'pause.json'), { ...P, since: 'now' })).toThrow(/"since"/);
    expect(fs.readdirSync(dc)).toEqual([]);
  });

  it('an expired pause is reported and left for the caller to remove', () => {
    const home = tempDir();
    const dc = path.join(home, 'dc1');
    writePause(path.join(dc, 'pause.json'), { ...P, until: '2026-11-21T11:00:00.000Z' });
    const s = readPauseState(home, dc, NOW);
    expect(s.paused).toBe(false);
    expect(s.expired.map((e) => e.file)).toEqual([path.join(dc, 'pause.json')]);
    expect(fs.existsSync(path.join(dc, 'pause.json'))).toBe(true);
  });

  it('a corrupt file and one that cannot be read both pause', () => {
    const home = tempDir();
    const dc = path.join(home, 'dc1');
    fs.mkdirSync(dc);
    fs.writeFileSync(path.join(dc, 'pause.json'), '{"by": "ana@ops1",');
    let s = readPauseState(home, dc, NOW);
    expect(s.paused).toBe(true);
    expect(s.errors[0]).toMatch(/dc1\/pause\.json: not valid JSON .*`breakfix resume`$/);

    fs.rmSync(path.join(dc, 'pause.json'));
    fs.mkdirSync(path.join(home, 'pause.json')); // a directory where the file should be
    s = readPauseState(home, dc, NOW);
    expect(s.paused).toBe(true);
    expect(s.file).toBe(path.join(home, 'pause.json'));
    expect(s.errors).toEqual([`${path.join(home, 'pause.json')}: cannot be read (EISDIR); every datacenter stays paused: fix or remove it with \`breakfix resume --all\``]);
  });
});
