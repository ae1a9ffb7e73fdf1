package io.kilowatch.web.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The poll status of the devices, a page at a time: a 25,000-GPU site has 4,726 devices, 1.3 MB as
 * one answer, fetched on every refresh of the devices page.
 *
 * <p>Paging is by key, not by offset: the cursor holds the sort key and id of the last device sent,
 * and the next page starts after it. A device that changes state between two pages therefore never
 * shifts the others by one (as an offset would, sending one twice or skipping one).
 */
final class DeviceRoutes {
  private final SiteConfig site;
  private final Analytics analytics;
  private final Supplier<List<DeviceStatus>> statuses;
  // site.device(id) walks every device: once per status would be quadratic in the site's size.
  private final Map<String, Device> byId;

  DeviceRoutes(SiteConfig site, Analytics analytics, Supplier<List<DeviceStatus>> statuses) {
    this.site = site;
    this.analytics = analytics;
    this.statuses = statuses;
    this.byId =
        site.allDevices()
            .collect(Collectors.toMap(Device::id, d -> d, (a, b) -> a, LinkedHashMap::new));
  }

  void register(RoutesConfig routes) {
    routes.get("/api/devices", this::page);
    routes.get("/api/devices/{id}", this::one);
  }

  /**
   * The order of a page: each sort is a whole-number key (ascending), then the device id. {@code
   * failures}: most consecutive failures first; {@code age}: the oldest last success first, a
   * device that never succeeded before all.
   */
  enum Sort {
    ID,
    FAILURES,
    AGE;

    long key(DeviceStatus s) {
      return switch (this) {
        case ID -> 0;
        case FAILURES -> -(long) s.consecutiveFailures();
        case AGE -> s.lastSuccess() == null ? Long.MIN_VALUE : s.lastSuccess().toEpochMilli();
      };
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where a page starts: after this key and id, under this sort. */
  record Cursor(Sort sort, long key, String id) {
    String encode() {
      String raw = "1|" + sort.label() + "|" + key + "|" + id;
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String text, Sort expected) {
      String[] parts;
      try {
        parts =
            new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\\|", 4);
      } catch (IllegalArgumentException e) {
        parts = new String[0];
      }
      if (parts.length != 4 || !parts[0].equals("1")) {
        throw new BadRequest("cursor", "'" + text + "' is not a cursor of /api/devices");
      }
      if (!parts[1].equals(expected.label())) {
        throw new BadRequest(
            "cursor",
            "the cursor was made for sort="
                + parts[1]
                + "; ask with the same sort, or start again without a cursor");
      }
      try {
        return new Cursor(expected, Long.parseLong(parts[2]), parts[3]);
      } catch (NumberFormatException e) {
        throw new BadRequest("cursor", "'" + text + "' is not a cursor of /api/devices");
      }
    }

    boolean before(Sort sort, DeviceStatus s) {
      long k = sort.key(s);
      return k > key || (k == key && s.deviceId().compareTo(id) > 0);
    }
  }

  private void page(Context ctx) {
    var p = new Params(ctx, Instant.now());
    int limit =
        (int)
            Budget.whole(
                p.optional("limit"),
                "limit",
                1,
                Budget.MAX_DEVICES_PAGE,
                Budget.DEFAULT_DEVICES_PAGE);
    Sort sort = p.enumValue("sort", Sort.class, Sort.ID);
    String cursorText = p.optional("cursor");
    Cursor after = cursorText == null ? null : Cursor.decode(cursorText, sort);
    DeviceStatus.State state = p.enumValue("state", DeviceStatus.State.class, null);
    DeviceKind kind = p.enumValue("kind", DeviceKind.class, null);
    String cluster = p.optional("cluster");
    String rack = p.optional("rack");
    String q = p.optional("q");
    String needle = q == null ? null : q.strip().toLowerCase(Locale.ROOT);

    Predicate<DeviceStatus> where =
        s -> {
          if (kind != null && s.kind() != kind) {
            return false;
          }
          Device d = byId.get(s.deviceId());
          String c = d == null ? null : d.location().cluster();
          String r = d == null ? null : d.location().rack();
          if (cluster != null && !cluster.equals(c)) {
            return false;
          }
          if (rack != null && !rack.equals(r)) {
            return false;
          }
          return needle == null || matches(s.deviceId(), d, needle);
        };

    // Counted over every filter but state, so that each count says what choosing it would list.
    var byState = new LinkedHashMap<String, Integer>();
    for (var st : DeviceStatus.State.values()) {
      byState.put(st.name().toLowerCase(Locale.ROOT), 0);
    }
    var matching = new ArrayList<DeviceStatus>();
    for (DeviceStatus s : statuses.get()) {
      if (!where.test(s)) {
        continue;
      }
      byState.merge(s.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
      if (state == null || s.state() == state) {
        matching.add(s);
      }
    }
    matching.sort(
        Comparator.comparingLong((DeviceStatus s) -> sort.key(s))
            .thenComparing(DeviceStatus::deviceId));
    var page = new ArrayList<Map<String, Object>>();
    DeviceStatus last = null;
    boolean more = false;
    for (DeviceStatus s : matching) {
      if (after != null && !after.before(sort, s)) {
        continue;
      }
      if (page.size() == limit) {
        more = true;
        break;
      }
      page.add(deviceJson(ctx, s));
      last = s;
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("devices", page);
    body.put("total", matching.size());
    body.put("byState", byState);
    body.put("sort", sort.label());
    body.put("limit", limit);
    body.put("next", more ? new Cursor(sort, sort.key(last), last.deviceId()).encode() : null);
    ctx.json(body);
  }

  /** Case-insensitive: part of the id, or of a tag value (the device's tags, cluster, rack). */
  private static boolean matches(String id, Device d, String needle) {
    if (id.toLowerCase(Locale.ROOT).contains(needle)) {
      return true;
    }
    if (d == null) {
      return false;
    }
    var values = new ArrayList<String>(d.tags().values());
    values.add(d.location().cluster());
    values.add(d.location().rack());
    for (String v : values) {
      if (v != null && v.toLowerCase(Locale.ROOT).contains(needle)) {
        return true;
      }
    }
    return false;
  }

  private void one(Context ctx) {
    String id = ctx.pathParam("id");
    for (DeviceStatus s : statuses.get()) {
      if (s.deviceId().equals(id)) {
        ctx.json(deviceJson(ctx, s));
        return;
      }
    }
    Device d = byId.get(id);
    if (d == null) {
      ctx.status(404).json(Map.of("error", "no device '" + id + "' in the site", "id", id));
      return;
    }
    // Configured but polled by another collector (a dashboard in front of several): where it is
    // and how it is polled, with no poll state rather than a made-up one.
    var m = new LinkedHashMap<String, Object>();
    m.put("deviceId", d.id());
    m.put("kind", d.kind());
    m.put("state", null);
    m.put("polledHere", false);
    place(m, d);
    ctx.json(m);
  }

  private static void place(Map<String, Object> m, Device d) {
    m.put("cluster", d == null ? null : d.location().cluster());
    m.put("rack", d == null ? null : d.location().rack());
    m.put(
        "source",
        d == null ? null : d.source().getClass().getSimpleName().toLowerCase(Locale.ROOT));
    m.put("intervalSeconds", d == null ? null : d.interval().toMillis() / 1000.0);
  }

  /**
   * Each device's status, with the points it reports and their units, so a device page labels its
   * axes without guessing, and each profile point's {@code state} ({@code good}, {@code bad},
   * {@code stale} while the device is down, {@code unknown} before its first poll) with the {@code
   * reason} when it is not good; and where it is configured (cluster, rack, source, interval), so a
   * page needs no copy of the whole site to place it.
   */
  private Map<String, Object> deviceJson(Context ctx, DeviceStatus s) {
    var m = UnitJson.withUnits(ctx, s, Map.of("lastRoundTrip", "ISO 8601 duration"));
    var points = new ArrayList<Map<String, Object>>();
    Device d = byId.get(s.deviceId());
    if (d != null) {
      var catalog = analytics.units();
      if (d.profile() != null) {
        site.profile(d.profile())
            .ifPresent(
                pr ->
                    pr.points()
                        .forEach(
                            pt -> {
                              String meas = io.kilowatch.store.Vocabulary.measurementOf(pt, d);
                              var pm = new LinkedHashMap<String, Object>();
                              pm.put("name", pt.name());
                              pm.put("measurement", meas);
                              pm.put("field", pt.field());
                              UnitJson.put(pm, catalog.of(d.id(), meas, pt.field()).orElse(null));
                              var st = PointStates.ofPoint(s, pt.name());
                              pm.put("state", st.state());
                              pm.put("reason", st.reason());
                              points.add(pm);
                            }));
      }
      if (d.source() instanceof io.kilowatch.config.Source.Push push) {
        push.units()
            .forEach(
                (field, u) -> {
                  var pm = new LinkedHashMap<String, Object>();
                  pm.put("field", field);
                  pm.put("measurement", push.measurement());
                  UnitJson.put(pm, io.kilowatch.config.units.PointUnit.of(u));
                  points.add(pm);
                });
      }
    }
    m.put("points", points);
    m.put("unitWarnings", analytics.units().warnings(s.deviceId()));
    place(m, d);
    return m;
  }
}
