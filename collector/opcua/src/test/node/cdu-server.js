// A small CDU served by node-opcua, an OPC UA stack kilowatch did not write: one folder per CDU
// under Objects holding the variables of config/profiles/cdu-generic.yaml, with values that move.
// Analog variables declare their EngineeringUnits and EURange, the leak state its EnumStrings, as
// node-opcua encodes them, so the collector's reading of units is checked against another stack.
// Usage: node cdu-server.js <port> <pki dir> <cdu id>...   Prints "READY <port>" once listening,
// then "SESSIONS <n>" each time a session is created or closed.
"use strict";
const path = require("path");
const {
  OPCUAServer,
  OPCUACertificateManager,
  Variant,
  DataType,
  StatusCodes,
  standardUnits,
  makeEUInformation,
} = require("node-opcua");

// The units of cdu-generic.yaml; node-opcua's table lacks L/min and kWh, so those are made here.
const units = {
  PrimarySupplyTemp: standardUnits.degree_celsius,
  PrimaryReturnTemp: standardUnits.degree_celsius,
  SecondarySupplyTemp: standardUnits.degree_celsius,
  SecondaryReturnTemp: standardUnits.degree_celsius,
  DeltaT: standardUnits.kelvin,
  SupplyPressure: standardUnits.kilopascal,
  ReturnPressure: standardUnits.kilopascal,
  DiffPressure: standardUnits.kilopascal,
  SecondaryFlow: makeEUInformation("L2", "l/min", "litre per minute"),
  PumpSpeed: standardUnits.percent,
  HeatRemoved: standardUnits.kilowatt,
  ReservoirLevel: standardUnits.percent,
  Power: standardUnits.watt,
  Energy: makeEUInformation("KWH", "kW·h", "kilowatt hour"),
};

const port = parseInt(process.argv[2], 10);
const pki = process.argv[3];
const cdus = process.argv.slice(4);

async function main() {
  const certificates = (name) =>
    new OPCUACertificateManager({ rootFolder: path.join(pki, name), automaticallyAcceptUnknownCertificate: true });
  const server = new OPCUAServer({
    port,
    resourcePath: "/UA/kilowatch",
    serverCertificateManager: certificates("server"),
    userCertificateManager: certificates("user"),
    buildInfo: { productName: "kilowatch node-opcua CDU" },
    // Anonymous stays allowed; one user for the wrong-password test.
    userManager: { isValidUser: (user, password) => user === "operator" && password === "secret" },
  });
  // "SESSIONS <n>" whenever a session is created or closed: the test counts what a failed login
  // leaves on the server. After the event, so the count includes or excludes that session.
  const count = () => setImmediate(() => process.stdout.write("SESSIONS " + server.currentSessionCount + "\n"));
  server.on("create_session", count);
  server.on("session_closed", count);
  await server.initialize();
  const ns = server.engine.addressSpace.registerNamespace("urn:kilowatch:node-opcua-cdu");
  const objects = server.engine.addressSpace.rootFolder.objects;
  const start = Date.now();
  cdus.forEach((id, n) => {
    const folder = ns.addFolder(objects, { browseName: id });
    // Values as a running CDU would give them; t in seconds since start.
    const t = () => (Date.now() - start) / 1000;
    const flow = () => 450 + 20 * Math.sin(t() * 2) + n;
    const supply = () => 30 + 0.5 * Math.sin(t() / 3);
    const deltaT = () => 6 + 0.3 * Math.cos(t());
    const values = {
      PrimarySupplyTemp: () => 25,
      PrimaryReturnTemp: () => 25 + (0.0697 * flow() * deltaT()) / (0.0697 * 420),
      SecondarySupplyTemp: supply,
      SecondaryReturnTemp: () => supply() + deltaT(),
      DeltaT: deltaT,
      SupplyPressure: () => 120 + 84,
      ReturnPressure: () => 120,
      DiffPressure: () => 84,
      SecondaryFlow: flow,
      PumpSpeed: () => flow() / 6,
      HeatRemoved: () => 0.0697 * flow() * deltaT(),
      ReservoirLevel: () => 80,
      Power: () => 2000 + flow(),
      Energy: () => 1000 + t() / 3600,
    };
    for (const [name, get] of Object.entries(values)) {
      ns.addAnalogDataItem({
        organizedBy: folder,
        browseName: name,
        dataType: "Double",
        minimumSamplingInterval: 50,
        engineeringUnits: units[name],
        engineeringUnitsRange: { low: 0, high: 10000 },
        value: { get: () => new Variant({ dataType: DataType.Double, value: get() }) },
      });
    }
    // Redfish LeakDetector states, as the profile's comment lists them.
    ns.addMultiStateDiscrete({
      organizedBy: folder,
      browseName: "LeakState",
      enumStrings: ["OK", "Warning", "Critical"],
      value: 0,
    });
  });
  await server.start();
  process.stdout.write("READY " + port + "\n");
  const stop = async () => {
    await server.shutdown(100);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The test owns this process: when it goes away (stdin closes), stop too.
  process.stdin.on("end", stop);
  process.stdin.resume();
}

main().catch((e) => {
  process.stderr.write("FAILED " + (e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
