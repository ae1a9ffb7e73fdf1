package io.kilowatch.analytics.carbon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * National Grid ESO / NESO Carbon Intensity API for Great Britain: {@code GET
 * /intensity/{from}/{to}}, half-hourly {@code data[].intensity.actual} (falling back to {@code
 * forecast}, marked estimated, where no actual exists yet). No key.
 */
public final class UkCarbonIntensity implements IntensityProvider {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter MINUTES =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'").withZone(ZoneOffset.UTC);

  private final URI base;
  private final Http http;

  public UkCarbonIntensity(URI base, Duration timeout) {
    this.base = base;
    this.http = new Http(timeout);
  }

  @Override
  public String name() {
    return "uk-carbon-intensity";
  }

  @Override
  public List<IntensityPoint> fetch(Instant from, Instant to)
      throws IOException, InterruptedException {
    URI uri =
        URI.create(
            Http.base(base)
                + "/intensity/"
                + MINUTES.format(from.truncatedTo(ChronoUnit.MINUTES))
                + "/"
                + MINUTES.format(to.truncatedTo(ChronoUnit.MINUTES)));
    return parse(http.get(uri, Map.of("Accept", "application/json")));
  }

  public static List<IntensityPoint> parse(String json) throws IOException {
    JsonNode data = JSON.readTree(json).path("data");
    if (!data.isArray()) {
      throw new IOException("no 'data' array in the Carbon Intensity answer");
    }
    var out = new ArrayList<IntensityPoint>();
    for (JsonNode d : data) {
      Instant from = OffsetDateTime.parse(d.path("from").asText()).toInstant();
      Instant to = OffsetDateTime.parse(d.path("to").asText()).toInstant();
      JsonNode actual = d.path("intensity").path("actual");
      JsonNode forecast = d.path("intensity").path("forecast");
      if (actual.isNumber()) {
        out.add(new IntensityPoint(from, Duration.between(from, to), actual.asDouble(), false));
      } else if (forecast.isNumber()) {
        out.add(new IntensityPoint(from, Duration.between(from, to), forecast.asDouble(), true));
      }
    }
    return out;
  }
}
