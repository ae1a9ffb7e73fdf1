package io.kilowatch.collector.lineprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineProtocolParserTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static Sample one(String line) throws LineProtocolException {
    return LineProtocolParser.parseLine(line, Precision.NS, NOW);
  }

  @Test
  void readsMeasurementTagsFieldsAndTime() throws LineProtocolException {
    Sample s =
        one(
            "gpu,device=n1,gpu=0,gpu_uuid=GPU-1 power_w=301.5,energy_mj=2000000i,"
                + "throttled=true,count=7u 1767225600000000000");

    assertThat(s.measurement()).isEqualTo("gpu");
    assertThat(s.tags())
        .containsExactly(entry("device", "n1"), entry("gpu", "0"), entry("gpu_uuid", "GPU-1"));
    assertThat(s.fields())
        .containsExactly(
            entry("count", 7.0),
            entry("energy_mj", 2_000_000.0),
            entry("power_w", 301.5),
            entry("throttled", 1.0));
    assertThat(s.time()).isEqualTo(NOW);
    assertThat(s.quality()).isEqualTo(Quality.GOOD);
  }

  @Test
  void aLineWithoutTimestampTakesTheServersTime() throws LineProtocolException {
    assertThat(one("pdu power_w=1").time()).isEqualTo(NOW);
    assertThat(one("pdu power_w=1   ").time()).isEqualTo(NOW);
  }

  @Test
  void escapesAreUndone() throws LineProtocolException {
    Sample s =
        one(
            "my\\ meas\\,ure=ment,rack\\ id=r\\,1\\=a\\ b,path=C:\\\\x field\\=key\\ 1=2,"
                + "b\\,c=-1.5e3 10");

    assertThat(s.measurement()).isEqualTo("my meas,ure=ment");
    assertThat(s.tags()).containsExactly(entry("path", "C:\\x"), entry("rack id", "r,1=a b"));
    assertThat(s.fields()).containsExactly(entry("b,c", -1500.0), entry("field=key 1", 2.0));
    assertThat(s.time()).isEqualTo(Instant.ofEpochSecond(0, 10));
  }

  @Test
  void aBackslashBeforeAnOrdinaryCharacterIsKept() throws LineProtocolException {
    assertThat(one("m,t=a\\b f=1").tags()).containsEntry("t", "a\\b");
  }

  @ParameterizedTest
  @CsvSource({
    "ns, 1767225600000000000",
    "us, 1767225600000000",
    "ms, 1767225600000",
    "s, 1767225600",
  })
  void theTimestampIsReadInTheRequestedPrecision(String precision, long value)
      throws LineProtocolException {
    Sample s = LineProtocolParser.parseLine("m f=1 " + value, Precision.of(precision), NOW);
    assertThat(s.time()).isEqualTo(NOW);
  }

  @Test
  void negativeTimestampsAreBeforeTheEpoch() throws LineProtocolException {
    assertThat(LineProtocolParser.parseLine("m f=1 -1500", Precision.MS, NOW).time())
        .isEqualTo(Instant.parse("1969-12-31T23:59:58.500Z"));
  }

  @Test
  void anUnknownPrecisionIsRefused() {
    assertThatThrownBy(() -> Precision.of("h")).hasMessageContaining("ns, us, ms or s");
  }

  @Test
  void booleansInEveryAllowedSpellingAreOneOrZero() throws LineProtocolException {
    Sample s = one("m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE");
    assertThat(s.fields().values())
        .containsExactly(1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  }

  @Test
  void largeUnsignedIntegersStayPositive() throws LineProtocolException {
    assertThat(one("m r=18446744073709551615u").fields().get("r")).isEqualTo(1.8446744073709552E19);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "m                          | missing fields",
        "m,                         | empty tag key",
        "m,t f=1                    | expected '=' after tag key 't'",
        "m,t= f=1                   | empty value for tag 't'",
        "m,t=a,t=b f=1              | tag 't' given twice",
        "m f                        | expected '=' after field key 'f'",
        "m f=                       | missing value for field 'f'",
        "m f=1,                     | missing fields",
        "m =1                       | empty field key",
        "m f=abc                    | invalid value for field 'f': abc",
        "m f=1x                     | invalid value for field 'f': 1x",
        "m f=1.2.3                  | invalid value for field 'f': 1.2.3",
        "m f=0x10                   | invalid value for field 'f': 0x10",
        "m f=NaN                    | invalid value for field 'f': NaN",
        "m f=Infinity               | invalid value for field 'f': Infinity",
        "m f=1e999                  | value out of range for field 'f': 1e999",
        "m f=1.5i                   | invalid value for field 'f': 1.5i",
        "m f=-1u                    | invalid value for field 'f': -1u",
        "m f=99999999999999999999i  | integer out of range for field 'f'",
        "m f=\"on\"                 | string value for field 'f': kilowatch stores numbers only",
        "m f=\"unterminated         | unterminated string for field 'f'",
        "m f=1,f=2                  | field 'f' given twice",
        "m f=1 12abc                | invalid timestamp '12abc'",
        "m f=1 1 2                  | invalid timestamp '1 2'",
        "m f=1 99999999999999999999 | timestamp out of range",
        ",t=a f=1                   | missing measurement",
        "m,t=a=b f=1                | unexpected '='",
      })
  void malformedLinesAreRefusedWithTheReason(String line, String reason) {
    assertThatThrownBy(() -> one(line))
        .isInstanceOf(LineProtocolException.class)
        .hasMessageContaining(reason)
        .hasMessageContaining("(column ");
  }

  @Test
  void aBatchReportsEachBadLineByNumberAndKeepsTheGoodOnes() {
    String body =
        "# comment\n"
            + "gpu,gpu=0 power_w=300 1\r\n"
            + "\n"
            + "gpu,gpu=1 power_w=oops 1\n"
            + "gpu,gpu=2 power_w=310,state=\"busy\" 1\n"
            + "   \n"
            + "gpu,gpu=3 power_w=320 1";

    var r = LineProtocolParser.parse(body, Precision.NS, NOW);

    assertThat(r.lines()).isEqualTo(4);
    assertThat(r.samples()).extracting(s -> s.tags().get("gpu")).containsExactly("0", "3");
    assertThat(r.problems()).extracting(LineProtocolParser.Problem::line).containsExactly(4, 5);
    assertThat(r.problems().getFirst().text()).isEqualTo("gpu,gpu=1 power_w=oops 1");
    assertThat(r.problems().get(1).message()).startsWith("string value for field 'state'");
  }

  @Test
  void anEmptyBodyHoldsNothing() {
    var r = LineProtocolParser.parse("", Precision.NS, NOW);
    assertThat(r.lines()).isZero();
    assertThat(r.samples()).isEmpty();
    assertThat(r.problems()).isEmpty();
  }

  @Test
  void theWriterLeavesOutNonFiniteValuesAndEmptySamples() {
    var nan = Sample.of(NOW, "gpu", Map.of("gpu", "0"), Map.of("power_w", Double.NaN));
    var mixed =
        Sample.of(NOW, "gpu", Map.of("gpu", "0"), Map.of("power_w", Double.NaN, "temp_c", 61.0));

    assertThat(LineProtocolWriter.format(java.util.List.of(nan, mixed), Precision.S))
        .isEqualTo("gpu,gpu=0 temp_c=61 1767225600\n");
  }

  @Test
  void theWriterRefusesWhatLineProtocolCannotCarry() {
    var out = new StringBuilder("kept\n");
    var newline = Sample.of(NOW, "m", Map.of("t", "a\nb"), Map.of("f", 1.0));

    assertThatThrownBy(() -> LineProtocolWriter.append(out, newline, Precision.NS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(out).hasToString("kept\n");
  }
}
