package io.kilowatch.analytics.carbon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * WattTime v3 {@code GET /v3/historical?region=…&start=…&end=…&signal_type=…} with a bearer token.
 * Values are lbs CO2 per MWh: × 0.453592 gives g/kWh (1 lb = 453.592 g, 1 MWh = 1000 kWh).
 * Accounting uses the average signal {@code co2_aoer}; the marginal {@code co2_moer} answers a
 * different question (what one more kWh would emit) and is reported as such when a server sends it.
 */
public final class WattTime implements IntensityProvider {
  /** lbs/MWh → g/kWh. */
  public static final double LBS_PER_MWH_TO_G_PER_KWH = 0.453592;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String region;
  private final String signal;
  private final String token;
  private final Http http;

  public WattTime(URI base, String region, String signal, String token, Duration timeout) {
    this.base = base;
    this.region = region;
    this.signal = signal == null ? "co2_aoer" : signal;
    this.token = token;
    this.http = new Http(timeout);
  }

  @Override
  public String name() {
    return "watttime:" + region + ":" + signal;
  }

  @Override
  public List<IntensityPoint> fetch(Instant from, Instant to)
      throws IOException, InterruptedException {
    URI uri =
        URI.create(
            Http.base(base)
                + "/v3/historical?region="
                + URLEncoder.encode(region, StandardCharsets.UTF_8)
                + "&start="
                + from
                + "&end="
                + to
                + "&signal_type="
                + signal);
    return parse(
            http.get(uri, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token)))
        .points();
  }

  /** Points in g/kWh and the signal and units the answer declared. */
  public record Parsed(List<IntensityPoint> points, String signal, String units) {}

  public static Parsed parse(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    JsonNode meta = root.path("meta");
    String units = meta.path("units").asText("lbs_co2_per_mwh");
    double factor;
    if (units.startsWith("lbs")) {
      factor = LBS_PER_MWH_TO_G_PER_KWH;
    } else if (units.startsWith("g_co2") || units.startsWith("kg_co2_per_mwh")) {
      factor = 1; // kg/MWh and g/kWh are the same number
    } else {
      throw new IOException("unknown WattTime units '" + units + "'");
    }
    Duration period = Duration.ofSeconds(meta.path("data_point_period_seconds").asLong(300));
    JsonNode data = root.path("data");
    if (!data.isArray()) {
      throw new IOException("no 'data' array in the WattTime answer");
    }
    var out = new ArrayList<IntensityPoint>();
    for (JsonNode d : data) {
      JsonNode v = d.path("value");
      if (!v.isNumber()) {
        continue;
      }
      out.add(
          new IntensityPoint(
              OffsetDateTime.parse(d.path("point_time").asText()).toInstant(),
              period,
              v.asDouble() * factor,
              d.path("imputed_data_used").asBoolean(false)));
    }
    return new Parsed(out, meta.path("signal_type").asText(null), units);
  }
}
