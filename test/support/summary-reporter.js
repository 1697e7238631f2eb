// Prints one plain closing line, "N passed, N failed, N skipped", that CI reads.
// A suite that fails before its tests run (a syntax error, a failing beforeAll) counts as failed.
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const counts = {
      passed: results.numPassedTests,
      failed,
      skipped: results.numPendingTests,
    };
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    // For the closing line of `npm test`, which adds the browser tests (test-summary.js).
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync('test-results/jest-summary.json', JSON.stringify(counts));
  }
}
module.exports = SummaryReporter;
