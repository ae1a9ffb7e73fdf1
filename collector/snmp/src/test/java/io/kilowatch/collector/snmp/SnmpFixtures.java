package io.kilowatch.collector.snmp;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sites from YAML, collectors for their devices, and readings by field and tag. */
final class SnmpFixtures {
  private SnmpFixtures() {}

  static final Map<String, String> ENV =
      Map.of(
          "SNMP_COMMUNITY", "kw-community",
          "SNMP_AUTH_KEY", "auth-key-for-kilowatch",
          "SNMP_PRIV_KEY", "priv-key-for-kilowatch",
          "SNMP_AUTH_KEY_512", "auth-key-sha512-user",
          "SNMP_PRIV_KEY_256", "priv-key-aes256-user",
          "WRONG_KEY", "not-the-agents-key");

  static SiteConfig site(String yaml) throws Exception {
    return ConfigLoader.parse(yaml, "site.yaml", null, ENV);
  }

  static SnmpCollector collector(SiteConfig site, String deviceId) {
    Device d = site.device(deviceId).orElseThrow();
    return new SnmpCollector(
        d,
        (Source.Snmp) d.source(),
        (Profile.Snmp) site.profile(d.profile()).orElseThrow(),
        site,
        Clock.systemUTC());
  }

  /** Every reading of a poll as "measurement.field{tag=value}" → value; BAD ones are NaN. */
  static Map<String, Double> readings(List<Sample> samples) {
    var out = new LinkedHashMap<String, Double>();
    for (Sample s : samples) {
      var own = new java.util.TreeMap<>(s.tags());
      own.keySet().removeAll(List.of("site", "device", "cluster", "rack"));
      String tags = own.isEmpty() ? "" : own.toString();
      s.fields().forEach((f, v) -> out.put(s.measurement() + "." + f + tags, v));
    }
    return out;
  }

  /** The quality of each reading, keyed as {@link #readings}. */
  static Map<String, Quality> qualities(List<Sample> samples) {
    var out = new LinkedHashMap<String, Quality>();
    for (Sample s : samples) {
      var own = new java.util.TreeMap<>(s.tags());
      own.keySet().removeAll(List.of("site", "device", "cluster", "rack"));
      String tags = own.isEmpty() ? "" : own.toString();
      s.fields().keySet().forEach(f -> out.put(s.measurement() + "." + f + tags, s.quality()));
    }
    return out;
  }
}
