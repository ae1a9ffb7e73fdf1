package io.kilowatch.analytics;

import io.kilowatch.config.Device;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.Vocabulary;
import io.kilowatch.store.Vocabulary.Tag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns energy-model channels into the concrete series that hold them.
 *
 * <p>A device usually stores a field more than once (total power and power per phase share {@code
 * power_w}, told apart by a {@code phase} tag). A channel means the device's total, so only series
 * whose tags are the device's own (site, cluster, rack, device and its configured tags) qualify;
 * summing the per-phase series as well would count the load twice.
 */
public final class ChannelResolver {

  private final SiteConfig site;

  public ChannelResolver(SiteConfig site) {
    this.site = site;
  }

  /** The devices a channel selects, in configuration order. */
  public List<Device> devices(Channel channel) {
    if (channel.device() != null) {
      return site.device(channel.device()).map(List::of).orElse(List.of());
    }
    return site.allDevices()
        .filter(d -> d.kind() == channel.kind())
        .filter(d -> channel.cluster() == null || channel.cluster().equals(d.location().cluster()))
        .toList();
  }

  /** One query per selected device for the given field, e.g. the channel's energy field. */
  public List<DeviceSeries> queries(Channel channel, String field) {
    var out = new ArrayList<DeviceSeries>();
    for (Device d : devices(channel)) {
      out.add(new DeviceSeries(d, new SeriesQuery(measurement(d, field), field, deviceTags(d))));
    }
    return out;
  }

  /** The series of a device's total for {@code query}, among those the store actually holds. */
  public static List<SeriesKey> totals(Store store, DeviceSeries ds) {
    return totals(store.listSeries(ds.query()), ds);
  }

  /** The keys among {@code candidates} that hold the device's total for the query's field. */
  public static List<SeriesKey> totals(
      java.util.Collection<SeriesKey> candidates, DeviceSeries ds) {
    Set<String> allowed = new HashSet<>(Tag.IDENTITY);
    allowed.addAll(ds.device().tags().keySet());
    return candidates.stream()
        .filter(ds.query()::matches)
        .filter(k -> allowed.containsAll(k.tags().keySet()))
        .toList();
  }

  private java.util.Map<String, String> deviceTags(Device d) {
    return java.util.Map.of(Tag.DEVICE, d.id());
  }

  /** The measurement a device's field lands in, by the rule the collectors write with. */
  String measurement(Device d, String field) {
    return Vocabulary.measurementOf(site, d, field);
  }

  /** A device and the query that selects its series for one field. */
  public record DeviceSeries(Device device, SeriesQuery query) {}
}
