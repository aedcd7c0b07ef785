#!/usr/bin/env node
// Compiles src/sets/merge2.wat with wabt and writes the bytes, base64, into
// src/sets/merge2-wasm.ts, so the bundle and the tests run from the sources
// need no compiler. checkMerge2() (called by build.mjs, and by
// `node scripts/wasm.mjs --check`) fails when the committed bytes are not the .wat's.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const WAT = path.join(root, 'src/sets/merge2.wat');
const OUT = path.join(root, 'src/sets/merge2-wasm.ts');

/** The module's bytes, base64, compiled from the .wat. */
export async function compileMerge2() {
  const { default: wabtInit } = await import('wabt');
  const wabt = await wabtInit();
  const mod = wabt.parseWat('merge2.wat', fs.readFileSync(WAT, 'utf8'), { bulk_memory: true });
  try {
    mod.validate();
    return Buffer.from(mod.toBinary({}).buffer).toString('base64');
  } finally {
    mod.destroy();
  }
}

export function source(base64) {
  return `// Written by scripts/wasm.mjs from merge2.wat: do not edit; run \`npm run wasm\`.\nexport const MERGE2_WASM =\n  '${base64}';\n`;
}

/** Throws when src/sets/merge2-wasm.ts does not hold merge2.wat's bytes. */
export async function checkMerge2() {
  const want = source(await compileMerge2());
  const have = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (have !== want) throw new Error(`${path.relative(root, OUT)} is not ${path.relative(root, WAT)} compiled: run npm run wasm`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  if (process.argv.includes('--check')) await checkMerge2();
  else fs.writeFileSync(OUT, source(await compileMerge2()));
}
