#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { asyncApiYaml } from './route.js';

/** `npm run asyncapi`: writes `docs/asyncapi.yaml` from the catalog (a test fails when it is stale). */
const target = process.argv[2] ?? fileURLToPath(new URL('../../../../docs/asyncapi.yaml', import.meta.url));
writeFileSync(target, asyncApiYaml());
console.log(`wrote ${target}`);
