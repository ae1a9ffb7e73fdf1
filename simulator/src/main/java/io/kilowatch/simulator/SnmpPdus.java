package io.kilowatch.simulator;

import io.kilowatch.testkit.snmp.SnmpAccess;
import io.kilowatch.testkit.snmp.SnmpAgentFake;
import io.kilowatch.testkit.snmp.SnmpMib;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;

/**
 * The demo's SNMP PDUs (feed C, one per rack) as Raritan PX agents speaking PDU2-MIB, each on its
 * own loopback UDP port, all served by the test kit's one-thread {@link SnmpAgentFake}. A request's
 * values all come from one reading of the site taken as the request arrives, so a manager reading
 * power and energy together never gets them from two states, and the energy sensor holds the energy
 * up to the read.
 */
final class SnmpPdus implements AutoCloseable {
  /** PDU2-MIB (Raritan, enterprise 13742): {@code pdu2 = 1.3.6.1.4.1.13742.6}. */
  static final String PDU2 = "1.3.6.1.4.1.13742.6";

  /** measurementsInletSensorValue, indexed pduId.inletId.sensorType. */
  static final OID INLET_VALUE = new OID(PDU2 + ".5.2.3.1.4");

  /** measurementsOutletSensorValue, indexed pduId.outletId.sensorType. */
  static final OID OUTLET_VALUE = new OID(PDU2 + ".5.4.3.1.4");

  /** inletSensorDecimalDigits: a value v with d digits means v / 10^d in the sensor's unit. */
  static final OID INLET_DIGITS = new OID(PDU2 + ".3.3.4.1.7");

  /** outletSensorDecimalDigits, as for inlets. */
  static final OID OUTLET_DIGITS = new OID(PDU2 + ".3.5.4.1.7");

  static final OID SYS_DESCR = new OID("1.3.6.1.2.1.1.1");
  static final OID SYS_NAME = new OID("1.3.6.1.2.1.1.5");

  /** PDU2-MIB SensorTypeEnumeration values. */
  static final int RMS_CURRENT = 1;

  static final int RMS_VOLTAGE = 4;
  static final int ACTIVE_POWER = 5;
  static final int ACTIVE_ENERGY = 8;

  /** Current in mA (3 decimal digits), as a PX3 reports it; volts, watts and Wh whole. */
  static final int CURRENT_DIGITS = 3;

  private final List<String> ids;
  private final SnmpAgentFake server;

  private SnmpPdus(List<String> ids, SnmpAgentFake server) {
    this.ids = ids;
    this.server = server;
  }

  /** One agent per PDU id, readable with {@code community} over v2c. */
  static SnmpPdus start(List<String> pduIds, Supplier<SiteSnapshot> site, String community)
      throws IOException {
    List<String> ids = List.copyOf(pduIds);
    return new SnmpPdus(
        ids,
        SnmpAgentFake.start(ids.size(), a -> mib(ids.get(a), site), SnmpAccess.v2c(community)));
  }

  /** PDU id to port, in the order the PDUs were given. */
  Map<String, Integer> ports() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (int d = 0; d < ids.size(); d++) {
      ports.put(ids.get(d), server.port(d));
    }
    return ports;
  }

  int size() {
    return ids.size();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /**
   * One PDU's MIB: the inlet's current, voltage, power and energy, and each outlet's current,
   * voltage and power (outlet i feeds the rack's node i). pduId and inletId are 1, as on a
   * standalone PX.
   */
  static SnmpMib mib(String pduId, Supplier<SiteSnapshot> site) {
    // Filled as each request arrives (onRequest), read by every value of that request.
    PduReading[] now = new PduReading[1];
    Supplier<PduReading> pdu = () -> now[0];
    PduReading first = site.get().pdu(pduId);
    SnmpMib.Builder b =
        SnmpMib.builder()
            .onRequest(() -> now[0] = site.get().pdu(pduId))
            .scalar(SYS_DESCR, new OctetString("Raritan PX3 (kilowatch demo)"))
            .scalar(SYS_NAME, new OctetString(pduId));
    inlet(b, RMS_CURRENT, CURRENT_DIGITS, () -> milli(pdu.get().phases().getFirst().currentA()));
    inlet(b, RMS_VOLTAGE, 0, () -> whole(pdu.get().phases().getFirst().voltageV()));
    inlet(b, ACTIVE_POWER, 0, () -> whole(pdu.get().powerW()));
    // A register holds whole watt-hours done, never a part rounded up.
    inlet(b, ACTIVE_ENERGY, 0, () -> (long) Math.floor(pdu.get().energyWh()));
    for (int o = 0; o < first.outletsW().size(); o++) {
      int i = o;
      outlet(b, o + 1, RMS_CURRENT, CURRENT_DIGITS, () -> milli(outletA(pdu.get(), i)));
      outlet(b, o + 1, RMS_VOLTAGE, 0, () -> whole(pdu.get().phases().getFirst().voltageV()));
      outlet(b, o + 1, ACTIVE_POWER, 0, () -> whole(pdu.get().outletsW().get(i)));
    }
    return b.build();
  }

  private static double outletA(PduReading pdu, int outlet) {
    return pdu.outletsW().get(outlet) / pdu.phases().getFirst().voltageV();
  }

  private static void inlet(
      SnmpMib.Builder b, int sensor, int digits, java.util.function.LongSupplier value) {
    OID index = new OID(new int[] {1, 1, sensor});
    b.cell(INLET_VALUE, index, gauge(value));
    b.cell(INLET_DIGITS, index, () -> new UnsignedInteger32(digits));
  }

  private static void outlet(
      SnmpMib.Builder b,
      int outlet,
      int sensor,
      int digits,
      java.util.function.LongSupplier value) {
    OID index = new OID(new int[] {1, outlet, sensor});
    b.cell(OUTLET_VALUE, index, gauge(value));
    b.cell(OUTLET_DIGITS, index, () -> new UnsignedInteger32(digits));
  }

  /** measurements*SensorValue is Unsigned32, a Gauge32 on the wire. */
  private static Supplier<Variable> gauge(java.util.function.LongSupplier value) {
    return () -> new Gauge32(Math.clamp(value.getAsLong(), 0L, 0xFFFF_FFFFL));
  }

  private static long milli(double value) {
    return Math.round(value * 1000);
  }

  private static long whole(double value) {
    return Math.round(value);
  }
}
