package io.kilowatch.testkit.snmp;

import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Variable;

/**
 * A single-inlet, single-phase Raritan PX PDU as PDU2-MIB lays it out (enterprise 13742, {@code
 * pdu2 = 1.3.6.1.4.1.13742.6}), for {@link SnmpAgentFake}: the inlet's rmsCurrent, rmsVoltage,
 * activePower and activeEnergy and each outlet's rmsCurrent, rmsVoltage, activePower and
 * activeEnergy, in the measurements tables indexed pduId.inletId|outletId.sensorType, with the
 * sensors' decimal digits in the configuration tables as a manager reads them to scale. pduId and
 * inletId are 1, as on a standalone PX. The simulator's demo PDUs and the SNMP bench serve this
 * same layout.
 */
public final class RaritanPdu2 {
  static final String PDU2 = "1.3.6.1.4.1.13742.6";

  /** measurementsInletSensorValue (Unsigned32), indexed pduId.inletId.sensorType. */
  public static final OID INLET_VALUE = new OID(PDU2 + ".5.2.3.1.4");

  /** measurementsOutletSensorValue (Unsigned32), indexed pduId.outletId.sensorType. */
  public static final OID OUTLET_VALUE = new OID(PDU2 + ".5.4.3.1.4");

  /** inletSensorDecimalDigits: a value v with d digits is v / 10^d in the sensor's unit. */
  public static final OID INLET_DIGITS = new OID(PDU2 + ".3.3.4.1.7");

  /** outletSensorDecimalDigits, as for inlets. */
  public static final OID OUTLET_DIGITS = new OID(PDU2 + ".3.5.4.1.7");

  public static final OID SYS_DESCR = new OID("1.3.6.1.2.1.1.1");
  public static final OID SYS_NAME = new OID("1.3.6.1.2.1.1.5");

  /** PDU2-MIB SensorTypeEnumeration: rmsCurrent. */
  public static final int RMS_CURRENT = 1;

  /** rmsVoltage. */
  public static final int RMS_VOLTAGE = 4;

  /** activePower. */
  public static final int ACTIVE_POWER = 5;

  /** activeEnergy. */
  public static final int ACTIVE_ENERGY = 8;

  /** Current in mA (3 decimal digits), as a PX3 reports it; volts, watts and Wh are whole. */
  public static final int CURRENT_DIGITS = 3;

  private RaritanPdu2() {}

  /** One outlet at one instant: its active power and its active-energy register. */
  public record Outlet(double powerW, double energyWh) {}

  /**
   * What the PDU measures at one instant: the inlet's voltage, power and energy and each outlet's
   * (outlet i+1 is {@code outlets.get(i)}); currents are power over voltage, every outlet is at the
   * inlet's voltage.
   */
  public record Reading(double voltageV, double powerW, double energyWh, List<Outlet> outlets) {
    public Reading {
      outlets = List.copyOf(outlets);
      if (!(voltageV > 0)) {
        throw new IllegalArgumentException("voltage must be positive: " + voltageV);
      }
    }
  }

  /** The PDU's instance OID of inlet sensor {@code sensorType}. */
  public static OID inlet(int sensorType) {
    return new OID(INLET_VALUE).append(new OID(new int[] {1, 1, sensorType}));
  }

  /** The PDU's instance OID of outlet {@code outlet}'s sensor {@code sensorType}. */
  public static OID outlet(int outlet, int sensorType) {
    return new OID(OUTLET_VALUE).append(new OID(new int[] {1, outlet, sensorType}));
  }

  /**
   * The MIB of a PDU named {@code name} with {@code outlets} outlets, whose values come from one
   * {@code reading} taken as each request arrives: the values of one request are of one instant.
   */
  public static SnmpMib mib(String name, int outlets, Supplier<Reading> reading) {
    Objects.requireNonNull(reading, "reading");
    Reading[] now = new Reading[1];
    Supplier<Reading> r = () -> now[0];
    SnmpMib.Builder b =
        SnmpMib.builder()
            .onRequest(() -> now[0] = reading.get())
            .scalar(SYS_DESCR, new OctetString("Raritan PX3 (kilowatch fake)"))
            .scalar(SYS_NAME, new OctetString(name));
    inlet(b, RMS_CURRENT, CURRENT_DIGITS, () -> milli(r.get().powerW() / r.get().voltageV()));
    inlet(b, RMS_VOLTAGE, 0, () -> Math.round(r.get().voltageV()));
    inlet(b, ACTIVE_POWER, 0, () -> Math.round(r.get().powerW()));
    // An energy register holds whole watt-hours done, never a part rounded up.
    inlet(b, ACTIVE_ENERGY, 0, () -> (long) Math.floor(r.get().energyWh()));
    for (int o = 1; o <= outlets; o++) {
      int i = o - 1;
      outlet(
          b, o, RMS_CURRENT, CURRENT_DIGITS, () -> milli(watts(r.get(), i) / r.get().voltageV()));
      outlet(b, o, RMS_VOLTAGE, 0, () -> Math.round(r.get().voltageV()));
      outlet(b, o, ACTIVE_POWER, 0, () -> Math.round(watts(r.get(), i)));
      outlet(b, o, ACTIVE_ENERGY, 0, () -> (long) Math.floor(wattHours(r.get(), i)));
    }
    return b.build();
  }

  /** An outlet the reading does not mention draws nothing. */
  private static double watts(Reading r, int outlet) {
    return outlet < r.outlets().size() ? r.outlets().get(outlet).powerW() : 0;
  }

  private static double wattHours(Reading r, int outlet) {
    return outlet < r.outlets().size() ? r.outlets().get(outlet).energyWh() : 0;
  }

  private static void inlet(SnmpMib.Builder b, int sensor, int digits, LongSupplier value) {
    OID index = new OID(new int[] {1, 1, sensor});
    b.cell(INLET_VALUE, index, gauge(value));
    b.cell(INLET_DIGITS, index, new Gauge32(digits));
  }

  private static void outlet(
      SnmpMib.Builder b, int outlet, int sensor, int digits, LongSupplier value) {
    OID index = new OID(new int[] {1, outlet, sensor});
    b.cell(OUTLET_VALUE, index, gauge(value));
    b.cell(OUTLET_DIGITS, index, new Gauge32(digits));
  }

  /** Unsigned32 travels as a Gauge32; a sensor clamps rather than wraps. */
  private static Supplier<Variable> gauge(LongSupplier value) {
    return () -> new Gauge32(Math.clamp(value.getAsLong(), 0L, 0xFFFF_FFFFL));
  }

  private static long milli(double value) {
    return Math.round(value * 1000);
  }
}
