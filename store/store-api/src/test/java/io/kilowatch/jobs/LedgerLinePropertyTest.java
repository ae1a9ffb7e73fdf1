package io.kilowatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The ledger's line format: any record comes back whole, and any damage to a line is noticed. */
class LedgerLinePropertyTest {
  @Provide
  Arbitrary<String> text() {
    // The format's own separators and escape character among ordinary and non-ASCII text.
    return Arbitraries.strings()
        .withChars("\t\n\r,;%-./:_ aZ09é€")
        .withCharRange('a', 'f')
        .ofMaxLength(12);
  }

  @Provide
  Arbitrary<Instant> instant() {
    return Combinators.combine(
            Arbitraries.longs().between(-2_000_000_000L, 5_000_000_000L),
            Arbitraries.integers().between(0, 999_999_999))
        .as(Instant::ofEpochSecond);
  }

  @Provide
  Arbitrary<JobRecord> job() {
    Arbitrary<GpuHold> hold =
        Combinators.combine(text(), text(), instant(), Arbitraries.longs().between(0, 1_000_000))
            .as(
                (d, g, from, len) ->
                    new GpuHold(d, g, from, len % 3 == 0 ? null : from.plusNanos(len)));
    return Combinators.combine(
            text(),
            Arbitraries.of(JobOrigin.class),
            text(),
            text(),
            text(),
            instant(),
            Arbitraries.longs().between(-1, 1_000_000_000L),
            hold.list().ofMaxSize(4))
        .as(
            (id, origin, cluster, who, where, start, len, holds) ->
                new JobRecord(
                    id,
                    origin,
                    cluster,
                    who,
                    who + "u",
                    where,
                    where + "p",
                    start,
                    len < 0 ? null : start.plusNanos(len),
                    holds));
  }

  @Property(tries = 300)
  void everyRecordComesBackFromItsLine(@ForAll("job") JobRecord job) {
    String line = FileJobLedger.encode(job);
    assertThat(line).endsWith("\n").doesNotContain("\r");
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    assertThat(FileJobLedger.decode(line.substring(0, line.length() - 1))).isEqualTo(job);
  }

  @Property(tries = 300)
  void aLineCutShortIsNeverReadAsARecord(@ForAll("job") JobRecord job, @ForAll("cut") int cut) {
    String line = FileJobLedger.encode(job);
    String torn = line.substring(0, Math.min(cut, line.length() - 2));
    assertThat(FileJobLedger.decode(torn)).isNull();
  }

  @Provide
  Arbitrary<Integer> cut() {
    return Arbitraries.integers().between(0, 400);
  }
}
