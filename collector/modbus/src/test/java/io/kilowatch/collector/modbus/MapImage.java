package io.kilowatch.collector.modbus;

import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A j2mod slave's register map that counts the read requests it serves, refuses some addresses
 * (exception 2), can answer slowly, and records how many requests it served at once.
 */
final class MapImage extends SimpleProcessImage {
  final AtomicInteger reads = new AtomicInteger();
  final Set<Integer> holes = new CopyOnWriteArraySet<>();

  /** Every register read served, as "start+count" (wire addresses), in order. */
  final List<String> served = new CopyOnWriteArrayList<>();

  /** Shared between the images of one slave to see requests served at once across units. */
  AtomicInteger inFlight = new AtomicInteger();

  AtomicInteger maxInFlight = new AtomicInteger();
  volatile Duration delay = Duration.ZERO;

  /** Requests from this count on are answered after {@link #stallFor}. */
  volatile int stallFrom = Integer.MAX_VALUE;

  volatile Duration stallFor = Duration.ZERO;

  MapImage(int unit, int size) {
    super(unit);
    for (int i = 0; i < size; i++) {
      addRegister(new SimpleRegister(0));
      addInputRegister(new SimpleInputRegister(0));
      addDigitalOut(new SimpleDigitalOut(false));
      addDigitalIn(new SimpleDigitalIn(false));
    }
  }

  void holding(int address, int... words) {
    for (int i = 0; i < words.length; i++) {
      registers.get(address + i).setValue(words[i]);
    }
  }

  void input(int address, int... words) {
    for (int i = 0; i < words.length; i++) {
      ((SimpleInputRegister) inputRegisters.get(address + i)).setValue(words[i]);
    }
  }

  void coil(int address, boolean on) {
    getDigitalOut(address).set(on);
  }

  void discrete(int address, boolean on) {
    ((SimpleDigitalIn) getDigitalIn(address)).set(on);
  }

  private void serve(int offset, int count) {
    int n = reads.incrementAndGet();
    served.add(offset + "+" + count);
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      Duration wait = n >= stallFrom ? stallFor : delay;
      if (wait.isPositive()) {
        // A real sleep: the fake device answers late or stalls on purpose.
        Thread.sleep(wait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.decrementAndGet();
    }
    for (int a = offset; a < offset + count; a++) {
      if (holes.contains(a)) {
        throw new IllegalAddressException("no register " + a);
      }
    }
  }

  @Override
  public Register[] getRegisterRange(int offset, int count) {
    serve(offset, count);
    return super.getRegisterRange(offset, count);
  }

  @Override
  public InputRegister[] getInputRegisterRange(int offset, int count) {
    serve(offset, count);
    return super.getInputRegisterRange(offset, count);
  }

  static int freePort() throws IOException {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts a j2mod TCP slave on {@code port} serving these images by unit id. */
  static ModbusSlave serve(int port, MapImage... images) throws Exception {
    ModbusSlave slave =
        ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 8, false);
    for (MapImage image : images) {
      slave.addProcessImage(image.getUnitID(), image);
    }
    slave.open();
    return slave;
  }
}
