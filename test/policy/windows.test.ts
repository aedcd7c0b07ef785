// The `windows:` section of policy.yaml: what it reads as, the mistakes a
// person makes in it (named with file and line), and when ops may act, checked
// at fixed instants around the DST changes of three zones, over midnight and
// across a freeze over the year end. The expected instants are worked out by
// hand from each zone's rules; a property test then compares the search for
// the next opening with a minute-by-minute scan.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Field, YamlFile } from '../../src/config/yamlsrc.js';
import { OPS } from '../../src/policy/types.js';
import { ANY_TIME, DAY_NAMES, parseWindows, windowState, type AllowRule, type Windows } from '../../src/policy/windows.js';
import { configErrorOf } from '../support/config.js';

const FILE = '/etc/breakfix/policy/policy.yaml';

function windowsOf(text: string): Windows {
  const yaml = new YamlFile(FILE, text);
  const top = new Field(yaml, yaml.root, '').map();
  return parseWindows(top.get('windows') ?? new Field(yaml, null, 'windows'), OPS);
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`test bug: "${needle}" is not in the text`);
  return i + 1;
}

const EXAMPLE = `windows:
  tz: America/Los_Angeles
  allow:
    - { days: [mon, tue, wed, thu, fri], hours: "09:00-17:00" }
    - days: [sat]
      hours: 22:00-06:00
  freeze:
    - { from: 2026-12-20, to: 2027-01-04, reason: "holiday change freeze" }
  ops: { return: always, drain: windowed }
`;

describe('parseWindows', () => {
  it('reads the example', () => {
    const w = windowsOf(EXAMPLE);
    expect(w.tz).toBe('America/Los_Angeles');
    expect(w.allow).toEqual([
      { days: [1, 2, 3, 4, 5], start: 9 * 60, end: 17 * 60, text: 'mon-fri 09:00-17:00' },
      { days: [6], start: 22 * 60, end: 6 * 60, text: 'sat 22:00-06:00' },
    ]);
    expect(w.freeze).toEqual([{ from: '2026-12-20', to: '2027-01-04', reason: 'holiday change freeze' }]);
    expect(Object.fromEntries(w.ops)).toEqual({ return: 'always', drain: 'windowed' });
  });

  it('defaults: no section means any time; tz UTC; no days means every day; no hours the whole day', () => {
    expect(windowsOf('other: 1\n')).toBe(ANY_TIME);
    expect(windowsOf('windows:\n')).toBe(ANY_TIME);
    const w = windowsOf('windows:\n  allow:\n    - { hours: "08:00-24:00" }\n    - { days: [Sun, sat] }\n');
    expect(w.tz).toBe('UTC');
    expect(w.freeze).toEqual([]);
    expect(w.ops.size).toBe(0);
    expect(w.allow).toEqual([
      { days: [1, 2, 3, 4, 5, 6, 0], start: 8 * 60, end: 24 * 60, text: 'daily 08:00-24:00' },
      { days: [6, 0], start: 0, end: 24 * 60, text: 'sat,sun 00:00-24:00' },
    ]);
  });

  it('day lists read back as ranges and lists', () => {
    const text = (days: string) => windowsOf(`windows:\n  allow:\n    - { days: [${days}], hours: "01:00-02:00" }\n`).allow![0]!.text;
    expect(text('fri, mon, wed')).toBe('mon,wed,fri 01:00-02:00');
    expect(text('sun, sat, fri, thu')).toBe('thu-sun 01:00-02:00');
    expect(text('mon, tue, thu, fri, sat')).toBe('mon,tue,thu-sat 01:00-02:00');
  });

  it('zone names are checked with Intl and kept in its spelling', () => {
    expect(windowsOf('windows: { tz: europe/london }\n').tz).toBe('Europe/London');
    expect(windowsOf('windows: { tz: Australia/Sydney }\n').tz).toBe('Australia/Sydney');
  });

  // [what, text, the text on the line to be named, what the message says]
  const cases: Array<[string, string, string, RegExp]> = [
    ['a zone that does not exist', 'windows:\n  tz: America/Los_Angles\n', 'tz:', /windows\.tz: "America\/Los_Angles" is not a time zone; use an IANA name/],
    ['an offset for a zone', 'windows:\n  tz: "+05:00"\n', 'tz:', /is not a time zone/],
    ['a bad day name', 'windows:\n  allow:\n    - days: [mon,\n        tues]\n', 'tues', /windows\.allow\[0\]\.days\[1\]: "tues" is not a day; the days are mon, tue, wed, thu, fri, sat, sun/],
    ['a day twice', 'windows:\n  allow:\n    - { days: [mon, mon] }\n', 'days', /mon is listed twice/],
    ['no days', 'windows:\n  allow:\n    - { days: [] }\n', 'days', /an empty list of days never allows anything/],
    ['days not a list', 'windows:\n  allow:\n    - { days: mon }\n', 'days', /days: expected a list/],
    ['hours without minutes', 'windows:\n  allow:\n    - days: [mon]\n      hours: "9-17"\n', 'hours', /windows\.allow\[0\]\.hours: expected hours like "09:00-17:00".*found "9-17"/],
    ['hours past the end of the day', 'windows:\n  allow:\n    - { hours: "25:00-26:00" }\n', 'hours', /25:00 is not a time of day/],
    ['minutes past 59', 'windows:\n  allow:\n    - { hours: "09:60-17:00" }\n', 'hours', /09:60 is not a time of day/],
    ['a window opening at 24:00', 'windows:\n  allow:\n    - { hours: "24:00-06:00" }\n', 'hours', /24:00 is not a time of day/],
    ['equal start and end', 'windows:\n  allow:\n    - { hours: "09:00-09:00" }\n', 'hours', /starts and ends at 09:00: an empty window; for the whole day leave hours out/],
    ['an empty allow list', 'windows:\n  allow: []\n', 'allow', /windows\.allow: an empty list never allows anything; leave allow out/],
    ['unknown key in windows', 'windows:\n  tz: UTC\n  alow: []\n', 'alow', /windows\.alow: unknown key; expected one of: tz, allow, freeze, ops/],
    ['unknown key in an allow rule', 'windows:\n  allow:\n    - { day: [mon] }\n', 'day:', /windows\.allow\[0\]\.day: unknown key; expected one of: days, hours/],
    ['unknown key in a freeze', 'windows:\n  freeze:\n    - from: 2026-12-20\n      to: 2027-01-04\n      why: xmas\n', 'why:', /windows\.freeze\[0\]\.why: unknown key; expected one of: from, to, reason/],
    ['from after to', 'windows:\n  freeze:\n    - { from: 2027-01-04, to: 2026-12-20, reason: x }\n', 'from:', /windows\.freeze\[0\]: from 2027-01-04 is after to 2026-12-20/],
    ['a date that is not one', 'windows:\n  freeze:\n    - from: 2026-02-01\n      to: 2026-02-30\n      reason: x\n', '2026-02-30', /windows\.freeze\[0\]\.to: expected a date like 2026-12-20, found "2026-02-30"/],
    ['a freeze without to', 'windows:\n  freeze:\n    - { from: 2026-12-20, reason: x }\n', 'from:', /windows\.freeze\[0\]: to: missing/],
    ['a freeze without a reason', 'windows:\n  freeze:\n    - { from: 2026-12-20, to: 2027-01-04 }\n', 'from:', /windows\.freeze\[0\]: reason: missing; say why/],
    ['an unknown op', 'windows:\n  ops:\n    retrun: always\n', 'retrun', /windows\.ops\.retrun: unknown key; expected one of: drain, rekick, reboot, firmware, burnin, return/],
    ['an unknown mode', 'windows:\n  ops:\n    return: sometimes\n', 'sometimes', /windows\.ops\.return: expected one of always, windowed, found "sometimes"/],
  ];
  it.each(cases)('%s', (_what, text, line, message) => {
    const e = configErrorOf(() => windowsOf(text));
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(lineOf(text, line));
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${FILE}:${e.line}: `)).toBe(true);
  });
});

/** Windows built directly, one allow rule per `days hours` string (`*` for every day). */
function win(tz: string, rules: string[] | null, freeze: Windows['freeze'] = [], ops: Record<string, 'always' | 'windowed'> = {}): Windows {
  const allow =
    rules?.map((r): AllowRule => {
      const [days, hours] = r.split(' ') as [string, string];
      const [s, e] = hours.split('-').map((h) => Number(h.slice(0, 2)) * 60 + Number(h.slice(3))) as [number, number];
      const ds = days === '*' ? [1, 2, 3, 4, 5, 6, 0] : days.split(',').map((d) => (DAY_NAMES as readonly string[]).indexOf(d));
      return { days: ds, start: s, end: e, text: `${days} ${hours}` };
    }) ?? null;
  return { tz, allow, freeze, ops: new Map(Object.entries(ops)) };
}

const MON_FRI = 'mon,tue,wed,thu,fri 09:00-17:00';

/** [what, windows, now (UTC), open, next (UTC; null: none within a year), text (a regex, or exact when a string)] */
type Case = [string, Windows, string, boolean, string | null, string | RegExp];

function check([, w, now, open, next, text]: Case, op = 'drain'): void {
  const s = windowState(w, op, new Date(now));
  expect(s.open).toBe(open);
  expect(s.next?.toISOString() ?? null).toBe(next === null ? null : new Date(next).toISOString());
  if (typeof text === 'string') expect(s.text).toBe(text);
  else expect(s.text).toMatch(text);
}

describe('windowState: America/Los_Angeles (PST −8, PDT −7; 2026: spring forward Mar 8 10:00Z, fall back Nov 1 09:00Z)', () => {
  const LA = 'America/Los_Angeles';
  const cases: Case[] = [
    ['Fri 09:00 PST opens the window', win(LA, [MON_FRI]), '2026-11-20T17:00:00Z', true, '2026-11-20T17:00:00Z', `open (allow ${MON_FRI} ${LA})`],
    ['Fri 08:59 PST is outside', win(LA, [MON_FRI]), '2026-11-20T16:59:00Z', false, '2026-11-20T17:00:00Z', `outside window: opens Fri 09:00 ${LA}`],
    ['Fri 16:59:59.999 PST is still open', win(LA, [MON_FRI]), '2026-11-21T00:59:59.999Z', true, '2026-11-21T00:59:59.999Z', /^open/],
    ['Fri 17:00 PST closes it until Monday', win(LA, [MON_FRI]), '2026-11-21T01:00:00Z', false, '2026-11-23T17:00:00Z', `outside window: opens Mon 09:00 ${LA}`],
    // fall back: the weekend of Nov 1 is an hour longer
    ['Fri 17:00 PDT before the fall-back weekend → Mon 09:00 PST', win(LA, [MON_FRI]), '2026-10-31T00:00:00Z', false, '2026-11-02T17:00:00Z', /opens Mon 09:00/],
    ['daily 09:00-17:00: Sat 17:00 PDT → Sun 09:00 PST, 17 h later', win(LA, ['* 09:00-17:00']), '2026-11-01T00:00:00Z', false, '2026-11-01T17:00:00Z', /opens Sun 09:00/],
    ['daily 09:00-17:00: Sun 16:59 PST is open', win(LA, ['* 09:00-17:00']), '2026-11-02T00:59:00Z', true, '2026-11-02T00:59:00Z', /^open/],
    ['the repeated hour: 01:00-01:30 is open at 01:15 PDT', win(LA, ['* 01:00-01:30']), '2026-11-01T08:15:00Z', true, '2026-11-01T08:15:00Z', /^open/],
    ['… closed at 01:30 PDT, opens again at 01:00 PST', win(LA, ['* 01:00-01:30']), '2026-11-01T08:30:00Z', false, '2026-11-01T09:00:00Z', /opens Sun 01:00/],
    ['… closed at 01:30 PST until Monday 01:00', win(LA, ['* 01:00-01:30']), '2026-11-01T09:30:00Z', false, '2026-11-02T09:00:00Z', /opens Mon 01:00/],
    // spring forward: 02:00-03:00 does not exist on Mar 8
    ['01:30-03:00 on the spring-forward day opens at 01:30 PST', win(LA, ['* 01:30-03:00']), '2026-03-08T08:00:00Z', false, '2026-03-08T09:30:00Z', /opens Sun 01:30/],
    ['… is open at 01:59 PST', win(LA, ['* 01:30-03:00']), '2026-03-08T09:59:00Z', true, '2026-03-08T09:59:00Z', /^open/],
    ['… and closed at the change, 03:00 PDT: only 30 real minutes', win(LA, ['* 01:30-03:00']), '2026-03-08T10:00:00Z', false, '2026-03-09T08:30:00Z', /opens Mon 01:30/],
    ['a window starting in the gap opens at the change', win(LA, ['sun 02:30-04:00']), '2026-03-08T08:00:00Z', false, '2026-03-08T10:00:00Z', `outside window: opens Sun 03:00 ${LA}`],
    ['… and closes at 04:00 PDT; a week on, the date is shown', win(LA, ['sun 02:30-04:00']), '2026-03-08T11:00:00Z', false, '2026-03-15T09:30:00Z', `outside window: opens Sun 2026-03-15 02:30 ${LA}`],
    ['a window wholly inside the gap is skipped that day', win(LA, ['* 02:00-02:45']), '2026-03-08T09:00:00Z', false, '2026-03-09T09:00:00Z', /opens Mon 02:00/],
  ];
  it.each(cases)('%s', (...c) => check(c));
});

describe('windowState: Europe/London (GMT 0, BST +1; 2026: spring forward Mar 29 01:00Z, fall back Oct 25 01:00Z)', () => {
  const LDN = 'Europe/London';
  const cases: Case[] = [
    ['Sun 09:00-17:00 on the spring-forward day is 08:00Z-16:00Z', win(LDN, ['sun 09:00-17:00']), '2026-03-28T17:00:00Z', false, '2026-03-29T08:00:00Z', `outside window: opens Sun 09:00 ${LDN}`],
    ['… open at 15:59Z', win(LDN, ['sun 09:00-17:00']), '2026-03-29T15:59:00Z', true, '2026-03-29T15:59:00Z', /^open/],
    ['… closed at 16:00Z', win(LDN, ['sun 09:00-17:00']), '2026-03-29T16:00:00Z', false, '2026-04-05T08:00:00Z', /opens Sun 2026-04-05 09:00/],
    ['00:30-02:00 over the change: open 00:30-01:00Z only', win(LDN, ['* 00:30-02:00']), '2026-03-29T00:59:00Z', true, '2026-03-29T00:59:00Z', /^open/],
    ['… closed at 01:00Z (02:00 BST)', win(LDN, ['* 00:30-02:00']), '2026-03-29T01:00:00Z', false, '2026-03-29T23:30:00Z', /opens Mon 00:30/],
    ['Sun 09:00-17:00 on the fall-back day is 09:00Z-17:00Z', win(LDN, ['sun 09:00-17:00']), '2026-10-24T16:00:00Z', false, '2026-10-25T09:00:00Z', /opens Sun 09:00/],
    ['01:00-02:00 on the fall-back day is open for two real hours', win(LDN, ['* 01:00-02:00']), '2026-10-25T01:30:00Z', true, '2026-10-25T01:30:00Z', /^open/],
    ['… and closes at 02:00Z', win(LDN, ['* 01:00-02:00']), '2026-10-25T02:00:00Z', false, '2026-10-26T01:00:00Z', /opens Mon 01:00/],
  ];
  it.each(cases)('%s', (...c) => check(c));
});

describe('windowState: Australia/Sydney (AEST +10, AEDT +11; 2026: DST ends Apr 4 16:00Z, starts Oct 3 16:00Z)', () => {
  const SYD = 'Australia/Sydney';
  const cases: Case[] = [
    ['Fri 16:59 AEDT is open', win(SYD, [MON_FRI]), '2026-04-03T05:59:00Z', true, '2026-04-03T05:59:00Z', /^open/],
    ['Fri 17:00 AEDT → Mon 09:00 AEST', win(SYD, [MON_FRI]), '2026-04-03T06:00:00Z', false, '2026-04-05T23:00:00Z', `outside window: opens Mon 09:00 ${SYD}`],
    ['Fri 17:00 AEST → Mon 09:00 AEDT', win(SYD, [MON_FRI]), '2026-10-02T07:00:00Z', false, '2026-10-04T22:00:00Z', /opens Mon 09:00/],
    ['02:00-03:00 on the day DST ends is open two real hours', win(SYD, ['* 02:00-03:00']), '2026-04-04T16:30:00Z', true, '2026-04-04T16:30:00Z', /^open/],
    ['… closed at 03:00 AEST', win(SYD, ['* 02:00-03:00']), '2026-04-04T17:00:00Z', false, '2026-04-05T16:00:00Z', /opens Mon 02:00/],
    ['02:00-03:00 does not exist on the day DST starts', win(SYD, ['* 02:00-03:00']), '2026-10-03T15:00:00Z', false, '2026-10-04T15:00:00Z', /opens Mon 02:00/],
  ];
  it.each(cases)('%s', (...c) => check(c));
});

describe('windowState: windows over midnight belong to the day they start on', () => {
  const cases: Case[] = [
    ['Mon 21:59', win('UTC', ['mon 22:00-06:00']), '2026-11-23T21:59:00Z', false, '2026-11-23T22:00:00Z', 'outside window: opens Mon 22:00 UTC'],
    ['Mon 22:00', win('UTC', ['mon 22:00-06:00']), '2026-11-23T22:00:00Z', true, '2026-11-23T22:00:00Z', 'open (allow mon 22:00-06:00 UTC)'],
    ['Tue 05:59 is still Monday’s window', win('UTC', ['mon 22:00-06:00']), '2026-11-24T05:59:00Z', true, '2026-11-24T05:59:00Z', 'open (allow mon 22:00-06:00 UTC)'],
    ['Tue 06:00 closes it for a week', win('UTC', ['mon 22:00-06:00']), '2026-11-24T06:00:00Z', false, '2026-11-30T22:00:00Z', 'outside window: opens Mon 2026-11-30 22:00 UTC'],
    ['Tue 23:00 is not Monday', win('UTC', ['mon 22:00-06:00']), '2026-11-24T23:00:00Z', false, '2026-11-30T22:00:00Z', /opens Mon 22:00/],
    ['Mon 01:00 belongs to Sunday, which is not listed', win('UTC', ['mon 22:00-06:00']), '2026-11-23T01:00:00Z', false, '2026-11-23T22:00:00Z', /opens Mon 22:00/],
    ['Fri 22:00-06:00 in LA: Sat 05:30 PST is open', win('America/Los_Angeles', ['fri 22:00-06:00']), '2026-11-21T13:30:00Z', true, '2026-11-21T13:30:00Z', /^open/],
    ['an end at 00:00 is midnight', win('UTC', ['sat 18:00-00:00']), '2026-11-22T00:00:00Z', false, '2026-11-28T18:00:00Z', 'outside window: opens Sat 2026-11-28 18:00 UTC'],
  ];
  it.each(cases)('%s', (...c) => check(c));
});

describe('windowState: freezes', () => {
  const LA = 'America/Los_Angeles';
  const HOLIDAY = [{ from: '2026-12-20', to: '2027-01-04', reason: 'holiday change freeze' }];
  const cases: Case[] = [
    ['the Friday before is open', win(LA, [MON_FRI], HOLIDAY), '2026-12-18T17:00:00Z', true, '2026-12-18T17:00:00Z', /^open/],
    ['Sat 23:59 PST before it, with no allow list, is open', win(LA, null, HOLIDAY), '2026-12-20T07:59:00Z', true, '2026-12-20T07:59:00Z', 'open (any time)'],
    ['it starts at local midnight', win(LA, null, HOLIDAY), '2026-12-20T08:00:00Z', false, '2027-01-05T08:00:00Z', `frozen: holiday change freeze (until 2027-01-04, opens Tue 2027-01-05 00:00 ${LA})`],
    ['a freeze wins over allow, across the year end', win(LA, [MON_FRI], HOLIDAY), '2026-12-21T18:00:00Z', false, '2027-01-05T17:00:00Z', `frozen: holiday change freeze (until 2027-01-04, opens Tue 2027-01-05 09:00 ${LA})`],
    ['the whole of `to` is frozen', win(LA, [MON_FRI], HOLIDAY), '2027-01-04T23:00:00Z', false, '2027-01-05T17:00:00Z', `frozen: holiday change freeze (until 2027-01-04, opens Tue 09:00 ${LA})`],
    ['the day after it opens at local midnight', win(LA, null, HOLIDAY), '2027-01-05T08:00:00Z', true, '2027-01-05T08:00:00Z', 'open (any time)'],
    ['… though not in UTC: 07:59Z is still Jan 4 in LA', win(LA, null, HOLIDAY), '2027-01-05T07:59:00Z', false, '2027-01-05T08:00:00Z', /^frozen/],
    [
      'back-to-back freezes are skipped together',
      win('UTC', null, [
        { from: '2026-12-24', to: '2026-12-26', reason: 'christmas' },
        { from: '2026-12-27', to: '2027-01-01', reason: 'new year' },
      ]),
      '2026-12-25T12:00:00Z',
      false,
      '2027-01-02T00:00:00Z',
      'frozen: christmas (until 2026-12-26, opens Sat 2027-01-02 00:00 UTC)',
    ],
    // Chile moves its clocks at midnight: Sep 6 starts at 01:00 (04:00Z)
    ['a freeze ending where midnight is skipped opens at 01:00', win('America/Santiago', null, [{ from: '2026-09-05', to: '2026-09-05', reason: 'x' }]), '2026-09-05T12:00:00Z', false, '2026-09-06T04:00:00Z', 'frozen: x (until 2026-09-05, opens Sun 01:00 America/Santiago)'],
    ['a freeze longer than a year has no next', win('UTC', null, [{ from: '2026-01-01', to: '2027-06-30', reason: 'migration' }]), '2026-03-01T00:00:00Z', false, null, 'frozen: migration (until 2027-06-30, no opening within a year)'],
  ];
  it.each(cases)('%s', (...c) => check(c));

  it('an op set to always acts in a freeze and outside every window', () => {
    const w = win(LA, [MON_FRI], HOLIDAY, { return: 'always' });
    const inFreeze = windowState(w, 'return', new Date('2026-12-25T03:00:00Z'));
    expect(inFreeze).toEqual({ open: true, why: 'always', next: new Date('2026-12-25T03:00:00Z'), text: 'open (return: always; other ops frozen: holiday change freeze)' });
    expect(windowState(w, 'return', new Date('2026-11-22T03:00:00Z')).text).toBe('open (return: always)');
    // every other op stays frozen
    expect(windowState(w, 'drain', new Date('2026-12-25T03:00:00Z'))).toMatchObject({ open: false, why: 'frozen' });
  });

  it('why says which rule decided', () => {
    const w = win('UTC', ['mon 09:00-10:00'], [{ from: '2026-12-20', to: '2026-12-21', reason: 'x' }]);
    expect(windowState(w, 'drain', new Date('2026-11-23T09:30:00Z')).why).toBe('allowed');
    expect(windowState(w, 'drain', new Date('2026-11-23T10:30:00Z')).why).toBe('outside');
    expect(windowState(w, 'drain', new Date('2026-12-21T09:30:00Z')).why).toBe('frozen');
    expect(windowState(ANY_TIME, 'drain', new Date('2026-12-21T09:30:00Z'))).toMatchObject({ open: true, why: 'allowed', text: 'open (any time)' });
  });

  it('a sparse window a year out is found quickly', () => {
    const w = win('Australia/Sydney', ['sun 02:30-02:31'], [{ from: '2026-01-01', to: '2026-12-20', reason: 'x' }]);
    const start = performance.now();
    const s = windowState(w, 'drain', new Date('2026-01-02T00:00:00Z'));
    expect(performance.now() - start).toBeLessThan(500);
    // Sun 2026-12-27 02:30 AEDT (+11)
    expect(s.next).toEqual(new Date('2026-12-26T15:30:00Z'));
  });
});

// --- the search for the next opening against a minute-by-minute scan ----------

/** Local date, weekday and minute of an instant, read from Intl independently of the code under test. */
const oracleFormats = new Map<string, Intl.DateTimeFormat>();
function localOf(tz: string, t: number): { date: string; weekday: number; minute: number } {
  let f = oracleFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    oracleFormats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: (DAY_NAMES as readonly string[]).indexOf(p.weekday!.toLowerCase()),
    minute: Number(p.hour) * 60 + Number(p.minute),
  };
}

function oracleOpen(w: Windows, t: number): boolean {
  const l = localOf(w.tz, t);
  if (w.freeze.some((f) => f.from <= l.date && l.date <= f.to)) return false;
  if (w.allow === null) return true;
  return w.allow.some((r) => {
    if (r.start < r.end) return r.days.includes(l.weekday) && l.minute >= r.start && l.minute < r.end;
    return (r.days.includes(l.weekday) && l.minute >= r.start) || (r.days.includes((l.weekday + 6) % 7) && l.minute < r.end);
  });
}

describe('windowState agrees with a minute-by-minute scan', () => {
  // Instants near the 2026 changes of each zone, and zones with half and three-quarter hour offsets.
  const ZONES: Array<[string, string[]]> = [
    ['America/Los_Angeles', ['2026-03-08T10:00:00Z', '2026-11-01T09:00:00Z']],
    ['Europe/London', ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z']],
    ['Australia/Sydney', ['2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z']],
    ['Asia/Kolkata', ['2026-06-01T00:00:00Z']],
    ['Pacific/Chatham', ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z']],
    ['America/Santiago', ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z']], // changes at midnight
    ['UTC', ['2026-12-31T12:00:00Z']],
  ];
  const HORIZON_MIN = 3 * 1440;
  const minuteOfDay = fc.integer({ min: 0, max: 1439 });
  const rule = fc
    .record({ days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }), start: minuteOfDay, len: fc.integer({ min: 1, max: 1439 }) })
    .map(({ days, start, len }): AllowRule => ({ days, start, end: start + len > 1440 ? start + len - 1440 : start + len, text: '' }));

  it('same open now, same next within three days', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.nat(1),
        fc.integer({ min: -2 * 1440, max: 2 * 1440 }),
        fc.option(fc.array(rule, { minLength: 1, maxLength: 3 })),
        fc.option(fc.record({ startDay: fc.integer({ min: -2, max: 2 }), days: fc.integer({ min: 0, max: 2 }) })),
        ([tz, changes], which, offsetMin, allow, frz) => {
          const now = new Date(changes[which % changes.length]!).getTime() + offsetMin * 60_000;
          const freeze = frz
            ? [{ from: localOf(tz, now + frz.startDay * 86_400_000).date, to: localOf(tz, now + (frz.startDay + frz.days) * 86_400_000).date, reason: 'r' }]
            : [];
          const w: Windows = { tz, allow, freeze, ops: new Map() };
          const s = windowState(w, 'drain', new Date(now));
          expect(s.open).toBe(oracleOpen(w, now));
          let expected: number | null = null;
          for (let m = 0; m <= HORIZON_MIN; m++) {
            if (oracleOpen(w, now + m * 60_000)) {
              expected = now + m * 60_000;
              break;
            }
          }
          if (expected !== null) expect(s.next?.toISOString()).toBe(new Date(expected).toISOString());
          else if (s.next !== null) expect(s.next.getTime()).toBeGreaterThan(now + HORIZON_MIN * 60_000);
        },
      ),
      { numRuns: 100 },
    );
  });
});
