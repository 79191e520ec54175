#!/usr/bin/env node
// Entry point of the `shipshape` command: runs the compiled CLI and exits with its code.
'use strict';
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main')) {
    process.stderr.write('error: @shipshape/core is not built; run `npm run build` at the repository root\n');
    process.exit(2);
  }
  throw error;
}
cli.runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
