package io.kilowatch.collector.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.config.Profile.AddressBase;
import io.kilowatch.config.Profile.DataType;
import io.kilowatch.config.Profile.ModbusPoint;
import io.kilowatch.config.Profile.PointKind;
import io.kilowatch.config.Profile.RegisterType;
import io.kilowatch.config.Profile.WordOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestPlannerTest {
  private final RequestPlanner planner = new RequestPlanner();

  static ModbusPoint point(String name, RegisterType type, int address, DataType dataType) {
    return new ModbusPoint(
        name,
        type,
        address,
        dataType,
        WordOrder.ABCD,
        1,
        0,
        null,
        PointKind.GAUGE,
        null,
        name,
        Map.of());
  }

  private static ModbusPoint holding(String name, int address, DataType type) {
    return point(name, RegisterType.HOLDING, address, type);
  }

  /** (start, count) of each block. */
  private static List<String> spans(List<ReadBlock> blocks) {
    return blocks.stream().map(b -> b.type() + " " + b.start() + "+" + b.count()).toList();
  }

  @Test
  void adjacentPointsShareOneRequest() {
    var blocks =
        planner.plan(
            List.of(
                holding("power", 0, DataType.FLOAT32),
                holding("energy", 2, DataType.UINT64),
                holding("voltage", 6, DataType.FLOAT32)),
            AddressBase.ZERO);
    assertThat(spans(blocks)).containsExactly("HOLDING 0+8");
    assertThat(blocks.getFirst().points()).hasSize(3);
  }

  @Test
  void smallGapsAreBridgedAndLargeOnesAreNot() {
    var blocks =
        planner.plan(
            List.of(
                holding("a", 0, DataType.UINT16),
                holding("b", 11, DataType.UINT16), // gap of 10: bridged
                holding("c", 23, DataType.UINT16)), // gap of 11: new request
            AddressBase.ZERO);
    assertThat(spans(blocks)).containsExactly("HOLDING 0+12", "HOLDING 23+1");
  }

  @Test
  void requestsNeverExceedTheRegisterLimit() {
    var points =
        java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> holding("p" + i, i * 2, DataType.FLOAT32))
            .toList();
    var blocks = planner.plan(points, AddressBase.ZERO);
    assertThat(blocks).allSatisfy(b -> assertThat(b.count()).isLessThanOrEqualTo(125));
    assertThat(spans(blocks)).containsExactly("HOLDING 0+124", "HOLDING 124+76");
    assertThat(blocks.stream().mapToInt(b -> b.points().size()).sum()).isEqualTo(100);
  }

  @Test
  void aValueIsNeverSplitAcrossRequests() {
    var small = new RequestPlanner(4, 2000, 10);
    var blocks =
        small.plan(
            List.of(holding("a", 0, DataType.UINT16), holding("b", 1, DataType.FLOAT64)),
            AddressBase.ZERO);
    assertThat(spans(blocks)).containsExactly("HOLDING 0+1", "HOLDING 1+4");
  }

  @Test
  void registerTypesAreNeverMixedAndComeOutInTypeOrder() {
    var blocks =
        planner.plan(
            List.of(
                point("in", RegisterType.INPUT, 0, DataType.UINT16),
                point("hold", RegisterType.HOLDING, 1, DataType.UINT16),
                point("coil", RegisterType.COIL, 3, DataType.BIT),
                point("disc", RegisterType.DISCRETE, 0, DataType.BIT),
                point("coil2", RegisterType.COIL, 9, DataType.BIT)),
            AddressBase.ZERO);
    assertThat(spans(blocks))
        .containsExactly("COIL 3+7", "DISCRETE 0+1", "HOLDING 1+1", "INPUT 0+1");
  }

  @Test
  void unorderedAndOverlappingPointsAreSortedIntoOneBlock() {
    var blocks =
        planner.plan(
            List.of(
                holding("hi", 2, DataType.UINT16),
                holding("pair", 0, DataType.UINT32),
                holding("lo-word", 1, DataType.UINT16)),
            AddressBase.ZERO);
    assertThat(spans(blocks)).containsExactly("HOLDING 0+3");
    assertThat(blocks.getFirst().points())
        .extracting(p -> p.point().name())
        .containsExactly("pair", "lo-word", "hi");
  }

  @Test
  void addressBaseOneSubtractsOne() {
    var blocks = planner.plan(List.of(holding("first", 1, DataType.UINT16)), AddressBase.ONE);
    assertThat(spans(blocks)).containsExactly("HOLDING 0+1");
    assertThat(blocks.getFirst().points().getFirst().address()).isZero();
  }

  @Test
  void negativeGapNeverMerges() {
    var never = new RequestPlanner(125, 2000, -1);
    var blocks =
        never.plan(
            List.of(holding("a", 0, DataType.UINT16), holding("b", 1, DataType.UINT16)),
            AddressBase.ZERO);
    assertThat(blocks).hasSize(2);
  }

  @Test
  void refusesAddressZeroWhenTheMapCountsFromOne() {
    assertThatThrownBy(
            () -> planner.plan(List.of(holding("zero", 0, DataType.UINT16)), AddressBase.ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zero")
        .hasMessageContaining("outside 0..65535");
  }

  @Test
  void refusesAValueRunningPastTheLastRegister() {
    assertThatThrownBy(
            () -> planner.plan(List.of(holding("end", 65535, DataType.UINT32)), AddressBase.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(planner.plan(List.of(holding("end", 65534, DataType.UINT32)), AddressBase.ZERO))
        .hasSize(1);
  }

  @Test
  void refusesACoilThatIsNotABit() {
    assertThatThrownBy(
            () ->
                planner.plan(
                    List.of(point("c", RegisterType.COIL, 0, DataType.UINT16)), AddressBase.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dataType bit");
  }
}
