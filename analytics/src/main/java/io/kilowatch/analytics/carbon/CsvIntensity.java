package io.kilowatch.analytics.carbon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * An hourly CSV profile. Rows are {@code timestamp,g_per_kwh} with ISO-8601 hour starts (a recorded
 * year, a supplier's hourly file), or {@code hour,g_per_kwh} with hours 0–23: a typical day in the
 * site's time zone, repeated. A first line that is not a number is a header.
 */
public final class CsvIntensity implements IntensityProvider {
  private final TreeMap<Instant, Double> byTime = new TreeMap<>();
  private final double[] byHour = new double[24];
  private final boolean typicalDay;
  private final ZoneId zone;

  private CsvIntensity(List<String> lines, ZoneId zone) {
    this.zone = zone;
    boolean day = false;
    boolean[] seen = new boolean[24];
    int row = 0;
    for (String raw : lines) {
      row++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] cols = line.split("[,;]");
      if (cols.length < 2) {
        throw new IllegalArgumentException("line " + row + ": expected time,g_per_kwh");
      }
      double g;
      try {
        g = Double.parseDouble(cols[1].strip());
      } catch (NumberFormatException e) {
        if (row == 1) {
          continue;
        }
        throw new IllegalArgumentException("line " + row + ": not a number: " + cols[1]);
      }
      String t = cols[0].strip();
      if (t.matches("\\d{1,2}")) {
        int h = Integer.parseInt(t);
        if (h > 23) {
          throw new IllegalArgumentException("line " + row + ": hour must be 0..23");
        }
        byHour[h] = g;
        seen[h] = true;
        day = true;
      } else {
        try {
          byTime.put(OffsetDateTime.parse(t).toInstant(), g);
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("line " + row + ": not an ISO-8601 time: " + t);
        }
      }
    }
    if (day) {
      for (int h = 0; h < 24; h++) {
        if (!seen[h]) {
          throw new IllegalArgumentException("typical-day profile lacks hour " + h);
        }
      }
    }
    this.typicalDay = day;
  }

  public static CsvIntensity parse(List<String> lines, ZoneId zone) {
    return new CsvIntensity(lines, zone);
  }

  public static CsvIntensity load(Path file, ZoneId zone) throws IOException {
    return new CsvIntensity(Files.readAllLines(file), zone);
  }

  @Override
  public String name() {
    return typicalDay ? "csv-typical-day" : "csv";
  }

  @Override
  public List<IntensityPoint> fetch(Instant from, Instant to) {
    var out = new ArrayList<IntensityPoint>();
    Duration hour = Duration.ofHours(1);
    if (typicalDay) {
      for (Instant h = from.truncatedTo(ChronoUnit.HOURS); h.isBefore(to); h = h.plus(hour)) {
        out.add(new IntensityPoint(h, hour, byHour[h.atZone(zone).getHour()], true));
      }
    } else {
      byTime
          .subMap(from.minus(hour), true, to, false)
          .forEach((t, g) -> out.add(new IntensityPoint(t, hour, g, false)));
    }
    return out;
  }
}
