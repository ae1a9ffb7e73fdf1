package io.kilowatch.analytics.report;

import io.kilowatch.analytics.ChannelResolver;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Point;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * SHA-256 over the raw readings of every series the report's meters select, in [from − gapLimit, to
 * + gapLimit), serialized canonically: series sorted by key, each as {@code S <key>\n} then one
 * {@code <epoch ms>,<IEEE-754 bits hex>,<quality>\n} per reading in time order. A CSV intensity
 * profile's bytes are hashed after them. Any changed, added or removed reading changes the hash.
 */
record InputHash(String sha256, long points, long series) {

  static InputHash of(Store store, SiteConfig site, Instant from, Instant to) {
    var resolver = new ChannelResolver(site);
    var queries = new ArrayList<SeriesQuery>();
    EnergyModel m = site.energy();
    for (var list : List.of(m.facility(), m.it(), m.cooling(), m.losses(), m.other())) {
      for (var c : list) {
        for (String f : new String[] {c.energyField(), c.powerField()}) {
          if (f != null) {
            resolver.queries(c, f).forEach(ds -> queries.add(ds.query()));
          }
        }
      }
    }
    var a = site.analytics();
    for (var meter : new AnalyticsConfig.Meter[] {a.water(), a.reuse()}) {
      if (meter != null) {
        var c = new EnergyModel.Channel(meter.device(), null, null, meter.field(), null);
        resolver.queries(c, meter.field()).forEach(ds -> queries.add(ds.query()));
      }
    }
    Instant lo = from.minus(a.gapLimit());
    Instant hi = to.plus(a.gapLimit());
    var bySeries = new TreeMap<String, List<Point>>();
    for (var q : queries) {
      List<SeriesPoints> read = store.read(q, lo, hi);
      for (var sp : read) {
        bySeries.putIfAbsent(sp.key().toString(), sp.points());
      }
    }
    MessageDigest md = ReportBuilder.digest();
    long n = 0;
    var hex = HexFormat.of();
    for (var e : bySeries.entrySet()) {
      md.update(("S " + e.getKey() + "\n").getBytes(StandardCharsets.UTF_8));
      var pts = new ArrayList<>(e.getValue());
      pts.sort(java.util.Comparator.comparing(Point::time));
      for (Point p : pts) {
        String line =
            p.time().toEpochMilli()
                + ","
                + hex.toHexDigits(Double.doubleToLongBits(p.value()))
                + ","
                + p.quality().name()
                + "\n";
        md.update(line.getBytes(StandardCharsets.UTF_8));
        n++;
      }
    }
    if (a.carbon().source() instanceof AnalyticsConfig.IntensitySource.CsvProfile csv) {
      try {
        md.update(("F intensity\n").getBytes(StandardCharsets.UTF_8));
        md.update(Files.readAllBytes(csv.file()));
      } catch (java.io.IOException e) {
        md.update(("unreadable\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    return new InputHash(hex.formatHex(md.digest()), n, bySeries.size());
  }
}
