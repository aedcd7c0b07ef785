import { describe, expect, it } from 'vitest';
import { parseExpression, formatExpression } from '../../src/sets/parse.js';

describe('parse', () => {
  it('uses Python precedence', () => {
    expect(formatExpression(parseExpression('all - hadoop_exclude & responsive & puppet_ok'))).toBe(
      '(((all - hadoop_exclude) & responsive) & puppet_ok)',
    );
  });
});
