package io.kilowatch.simulator;

import io.kilowatch.testkit.snmp.RaritanPdu2;
import io.kilowatch.testkit.snmp.SnmpAccess;
import io.kilowatch.testkit.snmp.SnmpAgentFake;
import io.kilowatch.testkit.snmp.SnmpMib;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The demo's SNMP PDUs (feed C, one per rack) as Raritan PX agents speaking PDU2-MIB ({@link
 * RaritanPdu2}), each on its own loopback UDP port, all served by the test kit's one-thread {@link
 * SnmpAgentFake}. A request's values all come from one reading of the site taken as the request
 * arrives, so a manager reading power and energy together never gets them from two states, and the
 * energy sensor holds the energy up to the read.
 */
final class SnmpPdus implements AutoCloseable {
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
   * One PDU's MIB ({@link RaritanPdu2}): the inlet is the PDU's one phase, outlet i feeds the
   * rack's node i.
   */
  static SnmpMib mib(String pduId, Supplier<SiteSnapshot> site) {
    int outlets = site.get().pdu(pduId).outlets().size();
    return RaritanPdu2.mib(
        pduId,
        outlets,
        () -> {
          PduReading pdu = site.get().pdu(pduId);
          return new RaritanPdu2.Reading(
              pdu.phases().getFirst().voltageV(),
              pdu.powerW(),
              pdu.energyWh(),
              pdu.outlets().stream()
                  .map(o -> new RaritanPdu2.Outlet(o.powerW(), o.energyWh()))
                  .toList());
        });
  }
}
