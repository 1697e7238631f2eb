// Prints one plain closing line, "N passed, N failed, N skipped", that CI reads.
// A suite that fails before its tests run (a syntax error, a failing beforeAll) counts as failed.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    console.log(
      `\n${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests} skipped`,
    );
  }
}
module.exports = SummaryReporter;
