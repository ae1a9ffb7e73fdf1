package io.kilowatch.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Devices of a site by id, built once per site. A site is an immutable record, so the index never
 * goes stale; it is kept beside the record because a record cannot hold derived fields. Looking a
 * device up by scanning the site made start-up and every KPI pass quadratic in the number of
 * devices (6,250 GPU nodes each scanning 9,000 devices at 50,000 GPUs).
 */
final class DeviceIndex {
  private record Entry(SiteConfig site, Map<String, Device> byId) {}

  // A few sites at once (a shard's copy, a test's several sites); matched by identity, since a
  // site's equals and hashCode walk its whole configuration.
  private static final Entry[] recent = new Entry[4];
  private static int next;

  private DeviceIndex() {}

  static Map<String, Device> of(SiteConfig site) {
    synchronized (recent) {
      for (Entry e : recent) {
        if (e != null && e.site() == site) {
          return e.byId();
        }
      }
    }
    var byId = new HashMap<String, Device>();
    // The first of a duplicated id wins, as a scan in site order would find it.
    site.allDevices().forEach(d -> byId.putIfAbsent(d.id(), d));
    synchronized (recent) {
      recent[next] = new Entry(site, byId);
      next = (next + 1) % recent.length;
    }
    return byId;
  }
}
