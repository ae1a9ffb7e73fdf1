// The node-opcua peer of bench/peers (bench/README.md): one process, one session, one Read of each
// CDU's nodes per CDU per interval (as kilowatch's OPC UA collector in mode: poll), for a fixed
// number of cycles. Cycle k starts at start_ms + k * interval_ms (epoch ms), so the harness knows
// which cycles fall in the measured window. node-opcua comes from the OPC UA collector's test
// folder (NODE_PATH=collector/opcua/src/test/node/node_modules).
// Usage: node cdu-poll.js <endpoint> <start_ms> <interval_ms> <cycles> <nodes per CDU> <nodeId>...
// Prints "CYCLE <k> <reads> <good reads> <began_ms>" per cycle and "DONE <reads> <good reads>".
"use strict";
const { OPCUAClient, AttributeIds, MessageSecurityMode, SecurityPolicy } = require("node-opcua");

const [endpoint, startArg, intervalArg, cyclesArg, perCduArg, ...ids] = process.argv.slice(2);
const start = Number(startArg);
const interval = Number(intervalArg);
const cycles = parseInt(cyclesArg, 10);
const perCdu = parseInt(perCduArg, 10);

const sleepUntil = (t) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));

async function main() {
  const client = OPCUAClient.create({
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    requestedSessionTimeout: 60000,
    connectionStrategy: { maxRetry: 10, initialDelay: 200, maxDelay: 2000 },
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  const cdus = [];
  for (let i = 0; i < ids.length; i += perCdu) {
    cdus.push(ids.slice(i, i + perCdu).map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
  }
  let reads = 0;
  let good = 0;
  for (let k = 0; k < cycles; k++) {
    await sleepUntil(start + k * interval);
    const began = Date.now();
    let cycleReads = 0;
    let cycleGood = 0;
    for (const nodes of cdus) {
      cycleReads++;
      try {
        const values = await session.read(nodes, 0);
        if (values.every((v) => v.statusCode.isGood())) {
          cycleGood++;
        }
      } catch (e) {
        // Counted as a failed read; the session reconnects by itself.
      }
    }
    reads += cycleReads;
    good += cycleGood;
    console.log(`CYCLE ${k} ${cycleReads} ${cycleGood} ${began}`);
  }
  // Alive until the slot after the last cycle, so the harness reads its CPU at the window's end.
  await sleepUntil(start + cycles * interval);
  console.log(`DONE ${reads} ${good}`);
  await session.close();
  await client.disconnect();
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
