package io.kilowatch.collector.lineprotocol;

import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a pushed line becomes, the same for the ingest endpoints and {@code kilowatch import}: one
 * rule, so a line stored live and the same line imported later land in the same series.
 *
 * <ol>
 *   <li>A line whose {@code device} tag names a configured device is that device's. A polled
 *       device's line is stored as it is (as before push devices existed); a push device's line is
 *       mapped as in 2.
 *   <li>A line that a push device's {@code match} (and {@code measurement}, when given) selects is
 *       stored exactly as a poll of that device would be: measurement by {@link
 *       Vocabulary#measurementOf(SiteConfig, Device, String)} (the device kind's name), tags the
 *       device's own {@code tags}, then the line's tags that are not in {@code match}, then the
 *       identity tags ({@code site}, {@code cluster}, {@code rack}, {@code device}) that win over
 *       both, built by the collectors' own {@link Readings}; fields, time and quality unchanged.
 *   <li>Any other line is unmatched: stored as it is, and the caller counts it.
 * </ol>
 *
 * A stored line without a {@code site} tag gets the site's name, like every collector's sample.
 * Thread-safe: it only reads the configuration.
 */
public final class PushMapping {

  /** One line mapped: the samples to store and the device it belongs to, if any. */
  public record Mapped(List<Sample> samples, Device device) {
    public Mapped {
      samples = List.copyOf(samples);
    }

    /** Whether a configured device was found for the line. */
    public boolean matched() {
      return device != null;
    }
  }

  /** The push devices that match on one set of tag keys, by the values of those keys. */
  private record Group(List<String> keys, Map<List<String>, List<Device>> byValues) {}

  private final SiteConfig site;
  private final String siteName;
  private final Map<String, Device> devices = new LinkedHashMap<>();
  private final List<Group> groups = new ArrayList<>();

  private PushMapping(SiteConfig site) {
    this.site = site;
    this.siteName = site.site() == null ? null : site.site().name();
    Map<List<String>, Group> byKeys = new LinkedHashMap<>();
    site.allDevices()
        .forEach(
            d -> {
              devices.putIfAbsent(d.id(), d);
              if (d.source() instanceof Source.Push push) {
                List<String> keys = List.copyOf(push.match().keySet()); // sorted
                Group g = byKeys.computeIfAbsent(keys, k -> new Group(k, new LinkedHashMap<>()));
                g.byValues()
                    .computeIfAbsent(List.copyOf(push.match().values()), v -> new ArrayList<>())
                    .add(d);
              }
            });
    groups.addAll(byKeys.values());
  }

  /** The mapping of a site's devices. */
  public static PushMapping of(SiteConfig site) {
    return new PushMapping(Objects.requireNonNull(site, "site"));
  }

  /** Maps one parsed line. */
  public Mapped map(Sample line) {
    String named = line.tags().get(Tag.DEVICE);
    if (named != null) {
      Device d = devices.get(named);
      if (d != null) {
        return d.source() instanceof Source.Push push
            ? new Mapped(asDevice(d, push, line), d)
            : new Mapped(List.of(withSite(line)), d);
      }
    }
    Device d = pushDeviceOf(line);
    if (d != null) {
      return new Mapped(asDevice(d, (Source.Push) d.source(), line), d);
    }
    return new Mapped(List.of(withSite(line)), null);
  }

  /** The push device whose match selects the line, or null. */
  private Device pushDeviceOf(Sample line) {
    for (Group g : groups) {
      var values = new ArrayList<String>(g.keys().size());
      for (String key : g.keys()) {
        String v = line.tags().get(key);
        if (v == null) {
          break;
        }
        values.add(v);
      }
      if (values.size() < g.keys().size()) {
        continue;
      }
      for (Device d : g.byValues().getOrDefault(values, List.of())) {
        if (((Source.Push) d.source()).matches(line.measurement(), line.tags())) {
          return d;
        }
      }
    }
    return null;
  }

  private List<Sample> asDevice(Device device, Source.Push push, Sample line) {
    var own = new TreeMap<>(line.tags());
    own.keySet().removeAll(push.match().keySet());
    var readings = new Readings(site, device, line.time());
    line.fields()
        .forEach(
            (field, value) ->
                readings.add(
                    Vocabulary.measurementOf(site, device, field),
                    own,
                    field,
                    value,
                    line.quality()));
    return readings.samples();
  }

  private Sample withSite(Sample s) {
    if (siteName == null || s.tags().containsKey(Tag.SITE)) {
      return s;
    }
    var tags = new TreeMap<>(s.tags());
    tags.put(Tag.SITE, siteName);
    return new Sample(s.time(), s.measurement(), tags, s.fields(), s.quality());
  }
}
