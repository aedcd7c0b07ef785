const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of numbers: lowest ▁, highest █; a flat series is all ▁. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => (hi === lo ? BARS[0] : BARS[Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))])).join('');
}

export interface Series {
  group: string;
  points: Array<{ label: string; count: number }>;
}

export type Warning = { kind: 'growing' | 'stuck' | 'swing'; group: string; message: string };

/**
 * Warnings an operator should see (pure): a group growing three passes in a
 * row, a non-empty group stuck at the same count for three passes (drains
 * that do not move), a swing past max_swing_pct of `all` since the last pass.
 */
export function warningsFrom(series: readonly Series[], allCount: number, maxSwingPct: number): Warning[] {
  const out: Warning[] = [];
  for (const s of series) {
    const v = s.points.map((p) => p.count);
    const n = v.length;
    if (n >= 4 && v[n - 1]! > v[n - 2]! && v[n - 2]! > v[n - 3]! && v[n - 3]! > v[n - 4]!) {
      out.push({ kind: 'growing', group: s.group, message: `${s.group} grew three passes in a row: ${v.slice(-4).join(' -> ')}` });
    }
    if (n >= 3 && v[n - 1]! > 0 && v[n - 1] === v[n - 2] && v[n - 2] === v[n - 3] && /decommissioning|draining|in-progress|plans\./.test(s.group)) {
      out.push({ kind: 'stuck', group: s.group, message: `${s.group} has been ${v[n - 1]} for three passes: is it moving?` });
    }
    if (n >= 2 && allCount > 0) {
      const change = Math.abs(v[n - 1]! - v[n - 2]!);
      const pct = (change * 100) / allCount;
      if (pct > maxSwingPct) {
        out.push({ kind: 'swing', group: s.group, message: `${s.group} moved ${v[n - 2]} -> ${v[n - 1]} (${pct.toFixed(1)}% of ${allCount} hosts, limit ${maxSwingPct}%): ops reading it are refused (invariant 6)` });
      }
    }
  }
  return out;
}
