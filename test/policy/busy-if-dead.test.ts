// An op's busy expression read as if a host were dead in HDFS (what a reimage
// chosen in the same pass does to it): recipes that lead to hdfs-dead written
// out, hdfs-dead read as every host.
import { describe, expect, it } from 'vitest';
import { busyIfDeadExpression } from '../../src/pass/state.js';
import { formatExpression } from '../../src/sets/parse.js';

const recipes = new Map([
  ['down', 'hdfs-dead | hdfs-maintenance'],
  ['gone', 'down - hands-off'],
  ['odd', 'inventory[cluster=dw1]'],
]);
const read = (e: string) => {
  const x = busyIfDeadExpression(e, recipes);
  return x && formatExpression(x);
};

describe('busyIfDeadExpression', () => {
  it('reads hdfs-dead as every host', () => {
    expect(read('hdfs-dead | hdfs-decommissioning | plans.drain')).toBe('((all | hdfs-decommissioning) | plans.drain)');
  });
  it('follows recipes that lead to hdfs-dead, and keeps the others as they are', () => {
    expect(read('gone | odd')).toBe('(((all | hdfs-maintenance) - hands-off) | odd)');
  });
  it('keeps the exclusions: a host subtracted from the busy set stays out', () => {
    expect(read('(plans.drain | hdfs-dead) - hands-off')).toBe('((plans.drain | all) - hands-off)');
  });
  it('null when the expression does not read hdfs-dead', () => {
    expect(read('rekick-in-progress | plans.rekick')).toBeNull();
    expect(read('odd | plans.reboot')).toBeNull();
  });
});
