#!/usr/bin/env node
// Runs the compiled CLI: dist/, made by `npm run build` (the packed package ships it).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('careprompt: dist/cli/main.js is missing: run `npm run build` in the careprompt checkout first');
  process.exit(1);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
