package io.kilowatch.collector;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Whether an endpoint's address accepts connections: the cheap check behind a device's backoff. */
@FunctionalInterface
interface EndpointProbe {
  /**
   * A TCP connect, closed at once: a Modbus gateway or an OPC UA server that accepts it is up,
   * whatever its devices then say; the protocol is left to the devices' own polls.
   */
  EndpointProbe TCP =
      (address, timeout) -> {
        try (var socket = new Socket()) {
          socket.connect(
              new InetSocketAddress(address.host(), address.port()),
              (int) Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE));
          return true;
        } catch (IOException | IllegalArgumentException e) {
          return false;
        }
      };

  /** True when {@code address} answered within {@code timeout}. */
  boolean answers(Endpoint.Address address, Duration timeout) throws InterruptedException;
}
