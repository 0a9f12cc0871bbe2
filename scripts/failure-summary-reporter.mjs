// A node:test reporter that prints nothing until the run ends, then lists every failed test with
// its file and error. CI keeps only the tail of the output; the TAP stream (the other reporter)
// puts a failure thousands of lines above the summary, where nobody sees it.
export default async function* failureSummary(source) {
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, line, details } = event.data;
    const error = details?.error;
    // A suite fails when a test inside it fails; the test itself is the useful entry.
    if (error?.failureType === 'subtestsFailed') continue;
    const cause = error?.cause ?? error;
    const message = String(cause?.message ?? cause ?? 'failed').split('\n').slice(0, 12).join('\n    ');
    failures.push(`not ok: ${name}\n  at ${file ?? '?'}${line ? `:${line}` : ''}\n    ${message}`);
  }
  if (failures.length === 0) return;
  yield `\n# ${failures.length} failed test(s):\n${failures.join('\n')}\n`;
}
