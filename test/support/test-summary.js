// The closing line of `npm test`: Jest's counts (written by summary-reporter.js)
// plus Playwright's (its JSON report). A runner that left no counts counts as one failure.
const { readFileSync } = require('node:fs');

const read = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
};

const jestCounts = read('test-results/jest-summary.json');
const web = read('test-results/web/results.json');
const browser = web && {
  passed: web.stats.expected + web.stats.flaky,
  failed: web.stats.unexpected,
  skipped: web.stats.skipped,
};
const parts = [
  ['jest', jestCounts ?? { passed: 0, failed: 1, skipped: 0 }],
  ['browser', browser ?? { passed: 0, failed: 1, skipped: 0 }],
];
const sum = (key) => parts.reduce((total, [, counts]) => total + counts[key], 0);
const detail = parts.map(([name, c]) => `${name} ${c.passed}/${c.failed}/${c.skipped}`).join(', ');
console.log(
  `\n${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped (${detail})`,
);
