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
 * Electricity Maps v3 {@code GET /v3/carbon-intensity/history?zone=…} (the past 24 hours, hourly),
 * token in the {@code auth-token} header. Asks for {@code emissionFactorType=direct}, the
 * operational factor GHG Scope 2 uses; an answer in another factor type is still parsed and its
 * type reported.
 */
public final class ElectricityMaps implements IntensityProvider {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String zone;
  private final String token;
  private final Http http;
  private volatile String lastFactorType;

  public ElectricityMaps(URI base, String zone, String token, Duration timeout) {
    this.base = base;
    this.zone = zone;
    this.token = token;
    this.http = new Http(timeout);
  }

  @Override
  public String name() {
    return "electricity-maps:" + zone;
  }

  /** The {@code emissionFactorType} of the last answer ({@code direct} or {@code lifecycle}). */
  public String lastFactorType() {
    return lastFactorType;
  }

  @Override
  public List<IntensityPoint> fetch(Instant from, Instant to)
      throws IOException, InterruptedException {
    URI uri =
        URI.create(
            Http.base(base)
                + "/v3/carbon-intensity/history?zone="
                + URLEncoder.encode(zone, StandardCharsets.UTF_8)
                + "&emissionFactorType=direct");
    String body = http.get(uri, token == null ? Map.of() : Map.of("auth-token", token));
    var parsed = parse(body);
    lastFactorType = parsed.factorType();
    return parsed.points();
  }

  /** Points and the factor type of an answer. */
  public record Parsed(List<IntensityPoint> points, String factorType) {}

  public static Parsed parse(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    JsonNode history = root.path("history");
    if (!history.isArray()) {
      throw new IOException("no 'history' array in the Electricity Maps answer");
    }
    var out = new ArrayList<IntensityPoint>();
    String type = null;
    for (JsonNode h : history) {
      JsonNode ci = h.path("carbonIntensity");
      if (!ci.isNumber()) {
        continue; // a missing hour is a gap, never zero
      }
      type = h.path("emissionFactorType").asText(type);
      out.add(
          new IntensityPoint(
              OffsetDateTime.parse(h.path("datetime").asText()).toInstant(),
              Duration.ofHours(1),
              ci.asDouble(),
              h.path("isEstimated").asBoolean(false)));
    }
    return new Parsed(out, type);
  }
}
