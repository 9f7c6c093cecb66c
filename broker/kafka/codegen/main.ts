/**
 * `npx tsx broker/kafka/codegen/main.ts`: rewrites broker/kafka/messages/ from the vendored Kafka definitions. Run it
 * from the repository root after changing the vendored files or the generator.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_DIR, generate } from './generate.js';

const root = process.cwd();
const files = await generate(root);
const out = join(root, OUTPUT_DIR);
mkdirSync(out, { recursive: true });
for (const old of readdirSync(out)) if (!files.has(old)) rmSync(join(out, old));
for (const [name, source] of files) writeFileSync(join(out, name), source);
process.stdout.write(`wrote ${String(files.size)} files to ${OUTPUT_DIR}\n`);
