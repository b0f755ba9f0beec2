#!/usr/bin/env node
// Builds the native cpu backend (native/, node-gyp) when its sources are present. A failed build
// does not fail the install: the runtime then reports the addon as missing and names the fix.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}/binding.gyp`)) process.exit(0);
