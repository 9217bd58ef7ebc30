// Sends metrics the way LangFuse v4.16.0's worker does, through dd-trace, LangFuse's pin.
//
// worker/src/instrumentation.ts initialises dd-trace first thing, with these options; the
// metrics go through its DogStatsD client (packages/shared/src/server/instrumentation/index.ts:
// recordGauge -> dd.dogstatsd.gauge, recordIncrement -> increment, recordDistribution ->
// distribution, recordHistogram -> histogram, each with a tags object). Where they go is dd-trace's
// own configuration from the environment (DD_DOGSTATSD_HOST, DD_DOGSTATSD_PORT, DD_TAGS), which
// the test sets as the chart renders it for the worker.
//
// The calls come from the JSON file named by the first argument:
//   {"repeat": [[method, stat, value, tags], ...],   every intervalMs, like the worker's
//                                                    QueueMetricsRunner (LANGFUSE_QUEUE_METRICS_INTERVAL_MS)
//    "once": [[method, stat, value, tags], ...],     once at start (jobs picked up, completed)
//    "intervalMs": 1000}
// It runs until SIGTERM; dd-trace sends on its own schedule (every 10 s) and when it stops.
"use strict";

const fs = require("fs");
const dd = require("dd-trace");

dd.init({
  runtimeMetrics: true,
  plugins: false,
});

const calls = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const record = ([method, stat, value, tags]) => dd.dogstatsd[method](stat, value, tags);

calls.once.forEach(record);
const timer = setInterval(() => calls.repeat.forEach(record), calls.intervalMs);
calls.repeat.forEach(record);
process.stdout.write("recording\n");

process.on("SIGTERM", () => {
  clearInterval(timer);
  dd.dogstatsd.flush();
  // The lines are on their way once the HTTP attempt to the agent (below) has failed.
  setTimeout(() => process.exit(0), 1000);
});
