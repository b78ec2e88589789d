#!/usr/bin/env node
// The `robustjs` executable: runs the command line and exits with its status.
import { runCli } from './cli';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
