// The node-opcua side of the bench's OPC UA baseline (bench/README.md): one session to the
// endpoint, then <rounds> rounds of one Read per CDU of its nodes, one Read after another, as
// kilowatch's collector does in mode: poll. Times only the reads (the session is opened first).
// Usage: node cdu-read.js <endpoint> <rounds> <nodes per CDU> <nodeId>...
// Prints "READS <reads> <good values> <ms>".
"use strict";
const { OPCUAClient, AttributeIds, MessageSecurityMode, SecurityPolicy } = require("node-opcua");

const endpoint = process.argv[2];
const rounds = parseInt(process.argv[3], 10);
const perCdu = parseInt(process.argv[4], 10);
const ids = process.argv.slice(5);

async function main() {
  const client = OPCUAClient.create({
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 2, initialDelay: 200, maxDelay: 1000 },
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  const cdus = [];
  for (let i = 0; i < ids.length; i += perCdu) {
    cdus.push(ids.slice(i, i + perCdu).map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
  }
  let reads = 0;
  let good = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const nodes of cdus) {
      const values = await session.read(nodes, 0);
      reads++;
      good += values.filter((v) => v.statusCode.isGood()).length;
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`READS ${reads} ${good} ${ms.toFixed(1)}`);
  await session.close();
  await client.disconnect();
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
