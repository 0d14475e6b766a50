/**
 * One copier process for the lease tests, run as `node test/support/copierProcess.ts` with no role variables:
 * connects to NATS (NATS_URL), copies SOURCE_DIR/*.log to HDFS_LOG_DEST every second. Exits cleanly on SIGTERM.
 */

import { PromiseCopier } from "@dla/hdfs"
import { connect } from "@nats-io/transport-node"

const env = process.env
const nats = await connect({ servers: env.NATS_URL! })
const copier = await PromiseCopier.createCopier({
  nats,
  leaseTtlSeconds: Number(env.LEASE_TTL_SECONDS ?? 2),
  owner: env.HADOOP_USER_NAME!
})
await copier.startCopy({
  copyName: "job-logs",
  pathPatterns: [`${env.SOURCE_DIR}/*.log`],
  intervalSeconds: 1,
  retryDelaySeconds: 0.1
})
process.once("SIGTERM", async () => {
  await copier.close()
  await nats.close()
  process.exit(0)
})
