// Regenerates src/auth/common-passwords.json: the passwords of 8+ characters among the 10,000 most
// common ones (shorter ones are refused by the length rule anyway). Source: @zxcvbn-ts/language-common
// (MIT), whose list is ranked by frequency in leaked password sets.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const TOP = 10_000;
const MIN_LENGTH = 8;

const require = createRequire(import.meta.url);
const listPath = require
  .resolve('@zxcvbn-ts/language-common/package.json')
  .replace(/package\.json$/, 'src/passwords.json');
const ranked = JSON.parse(readFileSync(listPath, 'utf8'));
const kept = [...new Set(ranked.slice(0, TOP).map((p) => p.toLowerCase()))].filter((p) => [...p].length >= MIN_LENGTH);
const out = new URL('../src/auth/common-passwords.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(kept)}\n`);
console.log(`wrote ${kept.length} passwords to ${out.pathname}`);
