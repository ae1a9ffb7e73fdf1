package io.kilowatch.web.api;

import static io.kilowatch.web.api.ReportJobsTest.json;
import static io.kilowatch.web.api.ReportJobsTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-request budget over real HTTP: a range or a step count over its limit is a 400 naming the
 * parameter and the limit, answered before any data is read, so a hostile range can no longer fill
 * the heap (or hold the report slot); a request at the limit still works.
 */
class RequestBudgetTest {
  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;
  ZoneId zone;

  @BeforeEach
  void start() throws Exception {
    SiteConfig site = ReportJobsTest.site(dir, Map.of());
    zone = site.site().timezone();
    store = EmbeddedStore.open(site.store());
    ReportJobsTest.write(store);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() throws Exception {
    web.stop();
    store.close();
  }

  JsonNode refused(String method, String path) throws Exception {
    var r = send(base + path, method, null);
    assertThat(r.statusCode()).as(path + ": " + new String(r.body())).isEqualTo(400);
    return json(r);
  }

  /** The message for {@code steps} steps over {@code days} days, as Budget words it. */
  static String tooManySteps(long days, String step, long steps) {
    return "from..to spans "
        + days
        + " days at step="
        + step
        + ": "
        + steps
        + " steps; the limit is "
        + Budget.MAX_STEPS;
  }

  static long days(Instant from, Instant to) {
    return Math.ceilDiv(java.time.Duration.between(from, to).toSeconds(), 86_400);
  }

  @Test
  void seriesComeAPageAtATimeWithTheTotalAndTheNextOffset() throws Exception {
    // Before, /api/series answered every series at once: 45.8 MB for 100,000 series.
    var all = json(send(base + "/api/series", "GET", null));
    int total = all.get("total").asInt();
    assertThat(total).isGreaterThanOrEqualTo(2).isEqualTo(all.get("series").size());
    assertThat(all.get("next").isNull()).isTrue();

    var first = json(send(base + "/api/series?limit=1", "GET", null));
    assertThat(first.get("series").size()).isEqualTo(1);
    assertThat(first.get("total").asInt()).isEqualTo(total);
    assertThat(first.get("next").asInt()).isEqualTo(1);
    var rest = json(send(base + "/api/series?limit=1&offset=1", "GET", null));
    assertThat(rest.get("offset").asInt()).isEqualTo(1);
    assertThat(rest.get("series").get(0)).isEqualTo(all.get("series").get(1));
    var beyond = json(send(base + "/api/series?offset=" + (total + 5), "GET", null));
    assertThat(beyond.get("series").size()).isZero();
    assertThat(beyond.get("next").isNull()).isTrue();

    assertThat(refused("GET", "/api/series?limit=10001").get("error").asText())
        .isEqualTo("limit must be between 1 and 10000; it was 10001");
    assertThat(refused("GET", "/api/series?offset=-1").get("parameter").asText())
        .isEqualTo("offset");
    assertThat(refused("GET", "/api/series?limit=many").get("error").asText())
        .isEqualTo("limit must be a whole number, not 'many'");
  }

  @Test
  void calendarStepsCountAgainstTheStepLimitLikeFixedOnes() throws Exception {
    // Before, day and month skipped the limit: energy over 1,000 years answered 160 MB.
    Instant from = Instant.parse("1026-01-01T00:00:00Z");
    Instant to = Instant.parse("2026-01-01T00:00:00Z");
    long dayCount =
        ChronoUnit.DAYS.between(from.atZone(zone).toLocalDate(), to.atZone(zone).toLocalDate())
            + (to.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant().isBefore(to) ? 1 : 0);
    JsonNode day = refused("GET", "/api/energy?from=" + from + "&to=" + to + "&step=day");
    assertThat(day.get("parameter").asText()).isEqualTo("step");
    assertThat(day.get("error").asText()).isEqualTo(tooManySteps(days(from, to), "day", dayCount));

    LocalDate a = from.atZone(zone).toLocalDate().withDayOfMonth(1);
    LocalDate b = to.atZone(zone).toLocalDate().withDayOfMonth(1);
    long monthCount =
        ChronoUnit.MONTHS.between(a, b) + (b.atStartOfDay(zone).toInstant().isBefore(to) ? 1 : 0);
    JsonNode month = refused("GET", "/api/energy?from=" + from + "&to=" + to + "&step=month");
    assertThat(month.get("parameter").asText()).isEqualTo("step");
    assertThat(month.get("error").asText())
        .isEqualTo(tooManySteps(days(from, to), "month", monthCount));

    // A fixed step as long as a day is counted the same way.
    JsonNode fixed = refused("GET", "/api/pue?from=" + from + "&to=" + to + "&step=24h");
    assertThat(fixed.get("error").asText()).contains("the limit is " + Budget.MAX_STEPS);
  }

  @Test
  void aRangeOverTheLimitIsRefusedWhateverTheStep() throws Exception {
    // Carbon over a century took 7 s and 900 MB even as one step: it walks the range by the hour.
    Instant from = Instant.parse("1926-01-01T00:00:00Z");
    Instant to = Instant.parse("2026-01-01T00:00:00Z");
    String limit = "may span at most " + Budget.MAX_RANGE.toDays() + " days";
    for (String path :
        List.of(
            "/api/carbon?step=whole",
            "/api/carbon?step=month",
            "/api/pue?step=whole",
            "/api/energy?step=month",
            "/api/overview?step=30d",
            "/api/query?measurement=meter&step=30d")) {
      JsonNode r = refused("GET", path + "&from=" + from + "&to=" + to);
      assertThat(r.get("parameter").asText()).as(path).isEqualTo("from");
      assertThat(r.get("error").asText())
          .as(path)
          .isEqualTo(
              "from..to spans "
                  + days(from, to)
                  + " days; "
                  + path.substring(0, path.indexOf('?'))
                  + " "
                  + limit);
    }
    // Raw points have a range of their own: a week.
    JsonNode raw = refused("GET", "/api/query?measurement=meter&from=-8d");
    assertThat(raw.get("error").asText())
        .endsWith("may span at most " + Budget.MAX_RAW_RANGE.toDays() + " days");
  }

  @Test
  void aRequestAtTheLimitIsAnswered() throws Exception {
    Instant to = Instant.parse("2026-07-02T00:00:00Z");
    Instant from = to.minus(Budget.MAX_RANGE);
    var r = send(base + "/api/pue?step=whole&from=" + from + "&to=" + to, "GET", null);
    assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
    var e = send(base + "/api/energy?step=month&from=" + from + "&to=" + to, "GET", null);
    assertThat(e.statusCode()).as(new String(e.body())).isEqualTo(200);
  }

  @Test
  void aReportFromYearOneIsRefusedBeforeItTakesTheSlot() throws Exception {
    // Before, it filled the heap for 269 s holding the slot, and every other report got 429.
    String q = "?from=0001-01-01&to=2026-01-01&format=json";
    String limit = "a report may span at most " + Budget.MAX_REPORT_RANGE.toDays() + " days";
    for (String method : List.of("GET", "POST")) {
      String path = method.equals("GET") ? "/api/reports" : "/api/reports/jobs";
      JsonNode r = refused(method, path + q);
      assertThat(r.get("parameter").asText()).isEqualTo("from");
      assertThat(r.get("error").asText()).endsWith(limit);
    }
    var ok = send(base + "/api/reports?from=2026-07-01&to=2026-07-02&format=json", "GET", null);
    assertThat(ok.statusCode()).isEqualTo(200);
  }

  @Test
  void theApiDescriptionQuotesTheLimitsItEnforces() {
    // The limits live in Budget; the description a client reads must not drift from them.
    String doc = OpenApi.document();
    assertThat(doc)
        .contains(String.format(java.util.Locale.ROOT, "%,d steps", Budget.MAX_STEPS))
        .contains(String.format(java.util.Locale.ROOT, "%,d days", Budget.MAX_RANGE.toDays()))
        .contains(
            String.format(java.util.Locale.ROOT, "%,d days", Budget.MAX_REPORT_RANGE.toDays()))
        .contains("raw points over at most " + Budget.MAX_RAW_RANGE.toDays() + " days")
        .contains("fails after " + Budget.REPORT_TIME_LIMIT.toMinutes() + " minutes")
        .contains("Retry-After (seconds, " + Budget.REPORT_RETRY_AFTER.toSeconds() + ")");
  }
}
