package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Which recoveries wake the other devices behind an address: only one that shows the address itself
 * is back, i.e. every device behind it was down (the rule in {@link Endpoint}'s comment).
 */
class EndpointWakeTest {

  private static final class FakeMember implements Endpoint.Member {
    final String id;
    boolean down;
    final List<String> woken;

    FakeMember(String id, List<String> woken) {
      this.id = id;
      this.woken = woken;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public boolean down() {
      return down;
    }

    @Override
    public Duration interval() {
      return Duration.ofSeconds(10);
    }

    @Override
    public Duration timeout() {
      return Duration.ofSeconds(5);
    }

    @Override
    public boolean wake() {
      woken.add(id);
      return true;
    }
  }

  private final List<String> woken = new ArrayList<>();
  private final FakeMember a = new FakeMember("a", woken);
  private final FakeMember b = new FakeMember("b", woken);
  private final FakeMember c = new FakeMember("c", woken);

  private Endpoint endpoint() {
    // The probe never answers and the sleeper never returns early: no watch wakes anyone here.
    var e =
        new Endpoint(
            new Endpoint.Address("gw", 502),
            (address, timeout) -> false,
            d -> Thread.sleep(Duration.ofHours(1)),
            LoggerFactory.getLogger(EndpointWakeTest.class));
    e.add(a);
    e.add(b);
    e.add(c);
    return e;
  }

  private void fail(Endpoint e, FakeMember m) {
    m.down = true;
    e.memberFailed(m);
  }

  private void recover(Endpoint e, FakeMember m) {
    m.down = false;
    e.memberRecovered(m);
  }

  @Test
  void aRecoveryAfterTheWholeAddressWasDownWakesTheOthers() {
    var e = endpoint();
    fail(e, a);
    fail(e, b);
    fail(e, c);
    recover(e, a);
    e.close();

    assertThat(woken).containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void aRecoveryWhileAnotherDeviceAnsweredWakesNobody() {
    var e = endpoint();
    // a answers all along: the address is there, b and c are down for their own reasons.
    fail(e, b);
    fail(e, c);
    recover(e, b);
    e.close();

    assertThat(woken).isEmpty();
  }

  @Test
  void onlyTheDevicesStillDownAreWoken() {
    var e = endpoint();
    fail(e, a);
    fail(e, b);
    fail(e, c);
    recover(e, b);
    // b's recovery woke a and c; c's own poll then succeeds before a's does.
    woken.clear();
    recover(e, c);
    fail(e, c);
    fail(e, b);
    // a never recovered, so when b comes back all three had been down again.
    recover(e, b);
    e.close();

    assertThat(woken).containsExactlyInAnyOrder("a", "c");
  }
}
