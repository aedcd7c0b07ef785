import fs from 'node:fs';
import path from 'node:path';

export const TRANSCRIPT = 'transcript.log';

/**
 * Appends lines to the day's transcript.log, each with its time, so a pass can
 * be read back later. Appends are whole lines in one write.
 */
export function appendTranscript(dayDir: string, text: string, now: Date): void {
  const stamp = now.toISOString();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return;
  fs.appendFileSync(path.join(dayDir, TRANSCRIPT), lines.map((l) => `${stamp} ${l}\n`).join(''));
}

export function readTranscript(dayDir: string): string[] {
  try {
    return fs.readFileSync(path.join(dayDir, TRANSCRIPT), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
