// Sends metrics the way LangFuse v4.16.0's worker does, through dd-trace at LangFuse's pin.
//
// worker/src/instrumentation.ts initialises dd-trace first thing, with these options; LangFuse's
// metrics go through its DogStatsD client (packages/shared/src/server/instrumentation/index.ts:
// recordGauge -> dd.dogstatsd.gauge, recordIncrement -> increment, recordDistribution ->
// distribution, recordHistogram -> histogram, each with a tags object). Where they go is dd-trace's
// own configuration from the environment (DD_DOGSTATSD_HOST, DD_DOGSTATSD_PORT, DD_TAGS), which
// the test sets as the chart renders it for the worker.
//
// Each line on stdin is a JSON object of calls ([method, stat, value, tags]):
//   {"repeat": [...]}  made every second from now on, as the worker's QueueMetricsRunner does
//                      (LANGFUSE_QUEUE_METRICS_INTERVAL_MS, default 1000), replacing the last set
//   {"once": [...]}    made now (jobs picked up and done: WorkerManager.metricWrapper)
// and is answered with "recorded". dd-trace sends on its own schedule (every 10 s); at the end of
// stdin it flushes and exits.
"use strict";

const readline = require("readline");
const dd = require("dd-trace");

dd.init({
  runtimeMetrics: true,
  plugins: false,
});

const record = ([method, stat, value, tags]) => dd.dogstatsd[method](stat, value, tags);
let repeat = [];
setInterval(() => repeat.forEach(record), 1000);

readline.createInterface({ input: process.stdin })
  .on("line", (line) => {
    const calls = JSON.parse(line);
    if (calls.repeat) {
      repeat = calls.repeat;
      repeat.forEach(record);
    }
    (calls.once || []).forEach(record);
    process.stdout.write("recorded\n");
  })
  .on("close", () => {
    dd.dogstatsd.flush();
    setTimeout(() => process.exit(0), 1000);
  });
