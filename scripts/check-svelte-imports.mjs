// Complements dependency-cruiser, which lists .svelte files but extracts no imports from them
// (v17): parses each component with Svelte's own compiler and applies the renderer rule.
import { parse } from 'svelte/compiler';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ALLOWED = [/^\.\.?\//, /^@contract\//, /^svelte(\/|$)/];
const root = 'renderer/src';
const files = readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.svelte')).map((f) => path.join(root, String(f)));
const violations = [];
for (const file of files) {
  const ast = parse(readFileSync(file, 'utf8'), { modern: true });
  for (const script of [ast.instance, ast.module].filter(Boolean)) {
    for (const node of script.content.body) {
      if (node.type !== 'ImportDeclaration') continue;
      const spec = node.source.value;
      const resolved = spec.startsWith('.') ? path.normalize(path.join(path.dirname(file), spec)) : spec;
      const insideRenderer = !spec.startsWith('.') || resolved.startsWith(root + path.sep);
      if (!ALLOWED.some((re) => re.test(spec)) || !insideRenderer) violations.push(`${file} → ${spec}`);
    }
  }
}
for (const v of violations) console.error(`  error renderer-sees-only-the-contract: ${v}`);
console.log(violations.length ? `x ${violations.length} svelte import violation(s) in ${files.length} components` : `✔ ${files.length} svelte components import only the contract, svelte and renderer files`);
process.exit(violations.length ? 1 : 0);
