// Mocha reporter: the usual spec output, plus the final counts written as JSON to $TE_COUNTS_FILE
// so scripts/test.mjs can add up every suite into one "N passed, N failed" line.
const Mocha = require('mocha');
const fs = require('node:fs');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.TE_COUNTS_FILE;
      if (!file) return;
      const s = runner.stats || {};
      fs.writeFileSync(file, JSON.stringify({ passed: s.passes || 0, failed: s.failures || 0, skipped: s.pending || 0 }));
    });
  }
}
module.exports = CountReporter;
