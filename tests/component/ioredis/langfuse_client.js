// A writer connected to Valkey as LangFuse v4.16.0 connects in sentinel mode: the options of
// packages/shared/src/server/redis/redis.ts (createRedisSentinelInstance with
// defaultRedisOptions and redisQueueRetryOptions), from the environment variables LangFuse reads
// (packages/shared/src/env.ts). It writes until stdin closes and prints one line per outcome:
//   plain <n>  SET job:plain:<n> was acknowledged by the primary (no WAIT)
//   acked <n>  SET job:acked:<n> was acknowledged and WAIT 1 then saw a replica take it
// Nothing here decides whether a write was lost: the test reads the keys back.
"use strict";
const Redis = require("ioredis");

const env = process.env;
const sentinels = env.REDIS_SENTINEL_NODES.split(",").map((node) => {
  const [host, port] = node.trim().split(":");
  return { host, port: parseInt(port, 10) };
});

// Two connections, as LangFuse opens many: one writes and waits for a replica (WAIT 1 covers
// every earlier write of its connection), the other only writes, so its writes are
// acknowledged by the primary alone.
const connect = () => {
  const redis = new Redis({
    sentinels,
    name: env.REDIS_SENTINEL_MASTER_NAME,
    username: env.REDIS_USERNAME || undefined,
    password: env.REDIS_AUTH || undefined,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME || undefined,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
    // defaultRedisOptions (REDIS_ENABLE_AUTO_PIPELINING defaults to true, REDIS_SOCKET_TIMEOUT_MS to 30000)
    enableReadyCheck: true,
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    keepAlive: 10000,
    socketTimeout: 30000,
    // redisQueueRetryOptions
    retryStrategy: (times) => Math.max(Math.min(Math.exp(times), 20000), 1000),
    reconnectOnError: (err) => (err.message.includes("READONLY") ? 2 : false),
  });
  redis.on("error", (error) => process.stderr.write(`redis error: ${error.message}\n`));
  return redis;
};

let stopping = false;
process.stdin.on("end", () => { stopping = true; });
process.stdin.resume();

const writeUntilStopped = async (kind, waitForReplica) => {
  const redis = connect();
  for (let n = 0; !stopping; n++) {
    try {
      if ((await redis.set(`job:${kind}:${n}`, String(n))) !== "OK") continue;
      if (waitForReplica && (await redis.call("WAIT", "1", "1000")) < 1) continue;
      process.stdout.write(`${kind} ${n}\n`);
    } catch (error) {
      process.stderr.write(`${kind} write ${n} failed: ${error.message}\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  redis.disconnect();
};

writeUntilStopped("acked", true);
writeUntilStopped("plain", false);
