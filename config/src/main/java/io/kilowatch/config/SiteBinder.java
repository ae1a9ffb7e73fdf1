package io.kilowatch.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Binds a whole site file, then checks what crosses sections: ids and references. */
final class SiteBinder {
  static final String DEFAULT_DATA_DIR = "./data";

  static final Set<String> ROOT_KEYS =
      Set.of(
          "site",
          "store",
          "web",
          "profiles",
          "clusters",
          "devices",
          "energy",
          "collector",
          "analytics",
          "alerts",
          "jobs");
  static final Set<String> SITE_KEYS = Set.of("name", "timezone", "gridZone", "ashraeClass");
  static final Set<String> STORE_KEYS =
      Set.of("kind", "dataDir", "retention", "influxdb", "buffer", "memoryLimit");
  static final Set<String> INFLUXDB_KEYS =
      Set.of("url", "database", "retentionPolicy", "username", "password", "token");
  static final Set<String> BUFFER_KEYS = Set.of("maxBytes");
  static final Set<String> COLLECTOR_KEYS = Set.of("shard", "maxBackoff", "pollTick");
  static final Set<String> RETENTION_KEYS = Set.of("raw", "minute", "hour");
  static final Set<String> WEB_KEYS =
      Set.of(
          "bind",
          "port",
          "tokens",
          "readAccess",
          "tls",
          "rateLimitPerMinute",
          "rateLimitPerAddressPerMinute",
          "ingest");
  static final Set<String> INGEST_KEYS =
      Set.of(
          "maxBodyBytes",
          "maxLines",
          "maxLineLength",
          "maxTagKeyLength",
          "maxTagValueLength",
          "maxFieldsPerLine",
          "maxSeriesPerMeasurement",
          "maxSeries",
          "maxNewSeriesPerMinute");
  static final Set<String> TLS_KEYS = Set.of("keystore", "password");
  static final Set<String> TOKEN_KEYS = Set.of("name", "sha256", "role");
  static final Set<String> CLUSTER_KEYS = Set.of("id", "name", "racks", "devices");
  static final Set<String> RACK_KEYS = Set.of("id", "devices");

  private final Binder binder;
  private final Path baseDir;
  private final Path source;
  private final ProfileBinder profileBinder;
  private final DeviceBinder deviceBinder;
  private final EnergyBinder energyBinder;
  private final Ids clusterIds;
  private final Ids rackIds;
  private final TokenHashes tokenHashes;

  SiteBinder(Binder binder, Path baseDir, Path source, YamlDocuments documents) {
    this.binder = binder;
    this.baseDir = baseDir;
    this.source = source;
    this.profileBinder = new ProfileBinder(binder, new Ids("profile", binder), baseDir, documents);
    this.deviceBinder = new DeviceBinder(binder, new Ids("device", binder));
    this.energyBinder = new EnergyBinder(binder);
    this.clusterIds = new Ids("cluster", binder);
    this.rackIds = new Ids("rack", binder);
    this.tokenHashes = new TokenHashes(binder);
  }

  /** The site, or {@code null} when the root is unusable; problems are in the binder's list. */
  SiteConfig bind(At root) {
    Fields f = binder.fields(root, ROOT_KEYS);
    if (f == null) {
      return null;
    }
    Site site = site(f);
    StoreConfig store = store(f.map("store", STORE_KEYS));
    WebConfig web = web(f.map("web", WEB_KEYS));
    List<Profile> profiles = profileBinder.profiles(f.list("profiles"));
    List<Cluster> clusters = each(f.list("clusters"), this::cluster);
    List<Device> devices = deviceBinder.devices(f.list("devices"), Location.FACILITY);
    EnergyModel energy = energyBinder.energy(f.get("energy"));
    CollectorConfig collector = collector(f.map("collector", COLLECTOR_KEYS));
    AnalyticsConfig analytics = new AnalyticsBinder(binder, baseDir).analytics(f.get("analytics"));
    AlertsConfig alerts = new AlertsBinder(binder, tokenHashes).alerts(f.get("alerts"));
    JobsConfig jobs =
        new JobsBinder(binder, baseDir, new java.util.TreeSet<>(clusterIds.all()))
            .jobs(f.get("jobs"));
    SiteConfig config =
        new SiteConfig(
            source, site, store, web, profiles, clusters, devices, energy, collector, analytics,
            alerts, jobs);
    checkProfileReferences(profiles);
    deviceBinder.checkPushOverlaps();
    energyBinder.checkReferences(config.allDevices().toList(), clusterIds.all());
    energyBinder.checkUnits(config);
    energyBinder.checkMeterUnits(config, f.get("analytics"));
    return config;
  }

  private static <T> List<T> each(List<At> items, Function<At, T> bind) {
    List<T> out = new ArrayList<>();
    for (At item : items) {
      T value = bind.apply(item);
      if (value != null) {
        out.add(value);
      }
    }
    return out;
  }

  private Site site(Fields root) {
    if (root.require("site", "a mapping with at least name") == null) {
      return null;
    }
    Fields f = root.map("site", SITE_KEYS);
    if (f == null) {
      return null;
    }
    String name = f.requireString("name");
    ZoneId zone = ZoneOffset.UTC;
    String zoneText = f.optionalString("timezone", null);
    if (zoneText != null) {
      try {
        zone = ZoneId.of(zoneText.strip());
      } catch (DateTimeException e) {
        binder.problem(
            f.get("timezone"),
            "unknown time zone "
                + Binder.shown(f.get("timezone"))
                + "; use a name like Europe/Paris");
      }
    }
    return new Site(
        name,
        zone,
        f.optionalString("gridZone", null),
        f.optionalEnum("ashraeClass", AshraeClass.class, null));
  }

  private StoreConfig store(Fields f) {
    StoreConfig defaults = StoreConfig.embedded(dataDir(null));
    if (f == null) {
      return defaults;
    }
    StoreConfig.StoreKind kind =
        f.optionalEnum("kind", StoreConfig.StoreKind.class, StoreConfig.StoreKind.EMBEDDED);
    Path dataDir = dataDir(f);
    Fields retention = f.map("retention", RETENTION_KEYS);
    Duration raw = retention("raw", retention, defaults.rawRetention());
    Duration minute = retention("minute", retention, defaults.minuteRetention());
    Duration hour = retention("hour", retention, defaults.hourRetention());
    InfluxConfig influx = influx(f, kind);
    BufferConfig buffer = buffer(f.map("buffer", BUFFER_KEYS));
    long memoryLimit = memoryLimit(f);
    return new StoreConfig(kind, dataDir, raw, minute, hour, influx, buffer, memoryLimit);
  }

  private long memoryLimit(Fields f) {
    if (!f.has("memoryLimit")) {
      return StoreConfig.DEFAULT_MEMORY_LIMIT_BYTES;
    }
    String text = binder.text(f.get("memoryLimit"));
    if (text == null) {
      return StoreConfig.DEFAULT_MEMORY_LIMIT_BYTES;
    }
    try {
      long bytes = ByteSizes.parse(text);
      if (bytes < 64L << 20) {
        binder.problem(f.get("memoryLimit"), "must be at least 64MiB, got " + text);
        return StoreConfig.DEFAULT_MEMORY_LIMIT_BYTES;
      }
      return bytes;
    } catch (IllegalArgumentException e) {
      binder.problem(f.get("memoryLimit"), e.getMessage());
      return StoreConfig.DEFAULT_MEMORY_LIMIT_BYTES;
    }
  }

  private InfluxConfig influx(Fields store, StoreConfig.StoreKind kind) {
    if (kind != StoreConfig.StoreKind.INFLUXDB) {
      if (store.has("influxdb")) {
        store.map("influxdb", INFLUXDB_KEYS); // still checked, so typos show up before a switch
      }
      return null;
    }
    if (store.require("influxdb", "kind: influxdb needs url and database") == null) {
      return null;
    }
    Fields f = store.map("influxdb", INFLUXDB_KEYS);
    if (f == null) {
      return null;
    }
    var url = f.requireUri("url", Set.of("http", "https"));
    String database = f.requireString("database");
    String username = f.optionalString("username", null);
    String password = f.optionalString("password", null);
    String token = f.optionalString("token", null);
    if (token != null && username != null) {
      binder.problem(f.get("token"), "give either username/password (1.x) or token (2.x, 3.x)");
    }
    if ((username == null) != (password == null) && token == null) {
      binder.problem(
          f.missing(username == null ? "username" : "password"),
          "username and password go together");
    }
    binder.requireFromEnvironment(f.get("password"), "password");
    binder.requireFromEnvironment(f.get("token"), "token");
    return new InfluxConfig(
        url, database, f.optionalString("retentionPolicy", null), username, password, token);
  }

  private BufferConfig buffer(Fields f) {
    if (f == null || !f.has("maxBytes")) {
      return BufferConfig.DEFAULT;
    }
    String text = binder.text(f.get("maxBytes"));
    if (text == null) {
      return null;
    }
    try {
      return new BufferConfig(ByteSizes.parse(text));
    } catch (IllegalArgumentException e) {
      binder.problem(f.get("maxBytes"), e.getMessage());
      return null;
    }
  }

  private CollectorConfig collector(Fields f) {
    if (f == null) {
      return CollectorConfig.DEFAULT;
    }
    Shard shard = Shard.ALL;
    if (f.has("shard")) {
      String text = binder.text(f.get("shard"));
      if (text == null) {
        return null;
      }
      try {
        shard = Shard.parse(text);
      } catch (IllegalArgumentException e) {
        binder.problem(f.get("shard"), e.getMessage());
        return null;
      }
    }
    // Both read before either is refused, so that a file with two mistakes hears of both.
    Duration maxBackoff =
        atMost(
            f,
            "maxBackoff",
            f.optionalDuration("maxBackoff", CollectorConfig.DEFAULT_MAX_BACKOFF),
            CollectorConfig.MAX_MAX_BACKOFF);
    Duration pollTick =
        atMost(
            f,
            "pollTick",
            f.optionalDurationOrZero("pollTick", CollectorConfig.DEFAULT_POLL_TICK),
            CollectorConfig.MAX_POLL_TICK);
    if (maxBackoff == null || pollTick == null) {
      return null;
    }
    return new CollectorConfig(shard, maxBackoff, pollTick);
  }

  /** {@code value}, or null with the problem reported when it is over {@code max}. */
  private Duration atMost(Fields f, String key, Duration value, Duration max) {
    if (value != null && value.compareTo(max) > 0) {
      binder.problem(
          f.get(key),
          "must be at most " + Durations.format(max) + ", got " + Durations.format(value));
      return null;
    }
    return value;
  }

  /** The data directory, relative to the config file's directory unless absolute. */
  private Path dataDir(Fields store) {
    String text =
        store == null ? DEFAULT_DATA_DIR : store.optionalString("dataDir", DEFAULT_DATA_DIR);
    if (text == null) {
      return null;
    }
    try {
      return baseDir.resolve(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      binder.problem(store.get("dataDir"), "not a valid path: " + e.getReason());
      return null;
    }
  }

  private static Duration retention(String key, Fields retention, Duration fallback) {
    return retention == null ? fallback : retention.optionalDuration(key, fallback);
  }

  private WebConfig web(Fields f) {
    if (f == null) {
      return WebConfig.DEFAULT;
    }
    String bind = f.optionalString("bind", WebConfig.DEFAULT.bind());
    Integer port = f.optionalInt("port", WebConfig.DEFAULT.port(), 0, 65535);
    List<ApiToken> tokens = each(f.list("tokens"), this::token);
    var readAccess =
        f.optionalEnum("readAccess", WebConfig.ReadAccess.class, WebConfig.ReadAccess.OPEN);
    if (readAccess == WebConfig.ReadAccess.TOKEN && tokens.isEmpty()) {
      binder.problem(f.get("readAccess"), "readAccess: token needs at least one entry in tokens");
    }
    Integer rate = f.optionalInt("rateLimitPerMinute", WebConfig.DEFAULT_RATE_LIMIT, 0, 10_000_000);
    Integer addressRate =
        f.optionalInt(
            "rateLimitPerAddressPerMinute", WebConfig.DEFAULT_ADDRESS_RATE_LIMIT, 0, 10_000_000);
    WebConfig.Tls tls = tls(f.map("tls", TLS_KEYS));
    IngestLimits ingest = ingest(f.map("ingest", INGEST_KEYS));
    return port == null || rate == null || addressRate == null || ingest == null
        ? null
        : new WebConfig(bind, port, tokens, readAccess, tls, rate, addressRate, ingest);
  }

  private IngestLimits ingest(Fields f) {
    var d = IngestLimits.DEFAULT;
    if (f == null) {
      return d;
    }
    Integer body = d.maxBodyBytes();
    if (f.has("maxBodyBytes")) {
      String text = binder.text(f.get("maxBodyBytes"));
      try {
        long bytes = text == null ? d.maxBodyBytes() : ByteSizes.parse(text);
        if (bytes < 1024 || bytes > 1L << 30) {
          binder.problem(f.get("maxBodyBytes"), "must be between 1KiB and 1GiB, got " + text);
          body = null;
        } else {
          body = (int) bytes;
        }
      } catch (IllegalArgumentException e) {
        binder.problem(f.get("maxBodyBytes"), e.getMessage());
        body = null;
      }
    }
    int max = Integer.MAX_VALUE;
    Integer lines = f.optionalInt("maxLines", d.maxLines(), 1, max);
    Integer lineLength = f.optionalInt("maxLineLength", d.maxLineLength(), 1, max);
    Integer tagKey = f.optionalInt("maxTagKeyLength", d.maxTagKeyLength(), 1, max);
    Integer tagValue = f.optionalInt("maxTagValueLength", d.maxTagValueLength(), 1, max);
    Integer fields = f.optionalInt("maxFieldsPerLine", d.maxFieldsPerLine(), 1, max);
    Integer perMeasurement =
        f.optionalInt("maxSeriesPerMeasurement", d.maxSeriesPerMeasurement(), 1, max);
    Integer series = f.optionalInt("maxSeries", d.maxSeries(), 1, max);
    Integer perMinute = f.optionalInt("maxNewSeriesPerMinute", d.maxNewSeriesPerMinute(), 1, max);
    if (Stream.of(
            body, lines, lineLength, tagKey, tagValue, fields, perMeasurement, series, perMinute)
        .anyMatch(java.util.Objects::isNull)) {
      return null;
    }
    return new IngestLimits(
        body, lines, lineLength, tagKey, tagValue, fields, perMeasurement, series, perMinute);
  }

  private WebConfig.Tls tls(Fields f) {
    if (f == null) {
      return null;
    }
    String keystore = f.requireString("keystore");
    String password = f.requireString("password");
    binder.requireFromEnvironment(f.get("password"), "password");
    if (keystore == null || password == null) {
      return null;
    }
    Path path = baseDir == null ? Path.of(keystore) : baseDir.resolve(keystore).normalize();
    if (!java.nio.file.Files.isReadable(path)) {
      binder.problem(f.get("keystore"), "cannot read the PKCS#12 keystore " + path);
    } else {
      openKeystore(path, password, f);
    }
    return new WebConfig.Tls(path, password);
  }

  /**
   * Opens the keystore as the server will, so a wrong password is a config problem at validate time
   * and not a stack trace when the port opens. Messages never hold the password.
   */
  private void openKeystore(Path path, String password, Fields f) {
    try (var in = java.nio.file.Files.newInputStream(path)) {
      var store = java.security.KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
      // Jetty unlocks the key with the store's password too.
      javax.net.ssl.KeyManagerFactory.getInstance(
              javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm())
          .init(store, password.toCharArray());
      boolean hasKey = false;
      for (String alias : java.util.Collections.list(store.aliases())) {
        hasKey |= store.isKeyEntry(alias);
      }
      if (!hasKey) {
        binder.problem(f.get("keystore"), "the PKCS#12 keystore " + path + " holds no private key");
      }
    } catch (java.security.UnrecoverableKeyException e) {
      binder.problem(f.get("password"), "does not unlock the key in " + path + " (wrong password)");
    } catch (java.io.IOException e) {
      if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
        binder.problem(
            f.get("password"), "does not open the PKCS#12 keystore " + path + " (wrong password)");
      } else {
        binder.problem(
            f.get("keystore"), "cannot open " + path + " as a PKCS#12 keystore: " + e.getMessage());
      }
    } catch (java.security.GeneralSecurityException e) {
      binder.problem(
          f.get("keystore"), "cannot open " + path + " as a PKCS#12 keystore: " + e.getMessage());
    }
  }

  private ApiToken token(At at) {
    Fields f = binder.fields(at, TOKEN_KEYS);
    if (f == null) {
      return null;
    }
    String name = f.requireString("name");
    String sha256 = f.requireString("sha256");
    if (sha256 != null && !ApiToken.SHA256_HEX.matcher(sha256).matches()) {
      binder.problem(
          f.get("sha256"),
          "must be the 64 hex digits of the token's SHA-256 (sha256sum), not the token itself");
      sha256 = null;
    }
    ApiToken.Role role = f.requireEnum("role", ApiToken.Role.class);
    if (sha256 != null) {
      tokenHashes.register(sha256, name, f.get("sha256"));
    }
    return name == null || sha256 == null || role == null ? null : new ApiToken(name, sha256, role);
  }

  private Cluster cluster(At at) {
    Fields f = binder.fields(at, CLUSTER_KEYS);
    if (f == null) {
      return null;
    }
    String id = f.requireId("id");
    if (id != null) {
      clusterIds.register(id, f.get("id"));
    }
    String name = f.optionalString("name", id);
    List<Rack> racks = each(f.list("racks"), item -> rack(item, id));
    List<Device> devices = deviceBinder.devices(f.list("devices"), new Location(id, null));
    return new Cluster(id, name, racks, devices);
  }

  private Rack rack(At at, String clusterId) {
    Fields f = binder.fields(at, RACK_KEYS);
    if (f == null) {
      return null;
    }
    String id = f.requireId("id");
    if (id != null) {
      rackIds.register(id, f.get("id"));
    }
    return new Rack(id, deviceBinder.devices(f.list("devices"), new Location(clusterId, id)));
  }

  /** A device's profile must exist and map the same protocol as the device's source. */
  private void checkProfileReferences(List<Profile> profiles) {
    Map<String, Profile> byId =
        profiles.stream()
            .filter(p -> p.id() != null)
            .collect(Collectors.toMap(Profile::id, p -> p, (a, b) -> a));
    for (DeviceBinder.ProfileRef ref : deviceBinder.profileRefs()) {
      Profile profile = byId.get(ref.profile());
      if (profile == null) {
        String closest = Binder.closest(ref.profile(), byId.keySet().stream().sorted().toList());
        binder.problem(
            ref.at(),
            "unknown profile '"
                + ref.profile()
                + "'"
                + (closest == null ? "" : " (did you mean '" + closest + "'?)")
                + "; profiles defined: "
                + (byId.isEmpty()
                    ? "(none)"
                    : String.join(", ", byId.keySet().stream().sorted().toList())));
      } else if (SourceType.of(profile) != ref.sourceType()) {
        binder.problem(
            ref.at(),
            "profile '"
                + ref.profile()
                + "' is for "
                + Binder.yamlName(SourceType.of(profile))
                + " sources but this device's source is "
                + Binder.yamlName(ref.sourceType()));
      }
    }
  }
}
