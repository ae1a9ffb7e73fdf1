package io.kilowatch.testkit.site;

import io.kilowatch.config.ConfigException;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.YamlTree;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A site config written in code: the site, its store, web server, profiles, clusters, racks and
 * devices, and any other section (energy, analytics, alerts) as a tree. {@link #toYaml} emits it
 * with {@link YamlTree}, and {@link #toConfig} loads that very text with the config loader, so the
 * YAML a test or the demo writes and the config it means cannot disagree.
 */
public final class SiteBuilder {
  private final Map<String, Object> site = new LinkedHashMap<>();
  private Map<String, ?> store;
  private Map<String, ?> web;
  private final List<Map<String, ?>> profiles = new ArrayList<>();
  private final List<SiteCluster> clusters = new ArrayList<>();
  private final List<SiteDevice> devices = new ArrayList<>();
  private final Map<String, Object> sections = new LinkedHashMap<>();

  private SiteBuilder(String name) {
    site.put("name", name);
  }

  public static SiteBuilder named(String name) {
    return new SiteBuilder(name);
  }

  /** A further key of the {@code site:} section, e.g. timezone or gridZone. */
  public SiteBuilder siteField(String key, Object value) {
    site.put(key, value);
    return this;
  }

  /** The embedded store under {@code dataDir} (absolute, as the loader would otherwise resolve). */
  public SiteBuilder embeddedStore(Path dataDir) {
    return store(YamlMaps.of("kind", "embedded", "dataDir", dataDir.toAbsolutePath().toString()));
  }

  public SiteBuilder store(Map<String, ?> store) {
    this.store = store;
    return this;
  }

  public SiteBuilder web(Map<String, ?> web) {
    this.web = web;
    return this;
  }

  /** An inline profile, or {@code {file: ...}}. */
  public SiteBuilder profile(Map<String, ?> profile) {
    profiles.add(profile);
    return this;
  }

  public SiteBuilder cluster(SiteCluster cluster) {
    clusters.add(cluster);
    return this;
  }

  /** A site-level device, outside any cluster. */
  public SiteBuilder device(SiteDevice device) {
    devices.add(device);
    return this;
  }

  /** One entry of {@code web.tokens} or {@code alerts.apiTokens}: a token known by its hash. */
  public static Map<String, Object> token(String name, String sha256, String role) {
    return YamlMaps.of("name", name, "sha256", sha256, "role", role);
  }

  public SiteBuilder alerts(Map<String, ?> alerts) {
    return section("alerts", alerts);
  }

  /** Any other top-level section (energy, analytics, ...), written after the devices. */
  public SiteBuilder section(String key, Object tree) {
    sections.put(key, tree);
    return this;
  }

  /** The whole config as maps and lists, in the order it is written. */
  public Map<String, Object> toTree() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("site", site);
    putIfPresent(root, "store", store);
    putIfPresent(root, "web", web);
    if (!profiles.isEmpty()) {
      root.put("profiles", profiles);
    }
    if (!clusters.isEmpty()) {
      root.put("clusters", clusters.stream().map(SiteCluster::tree).toList());
    }
    if (!devices.isEmpty()) {
      root.put("devices", devices.stream().map(SiteDevice::tree).toList());
    }
    root.putAll(sections);
    return root;
  }

  private static void putIfPresent(Map<String, Object> root, String key, Object value) {
    if (value != null) {
      root.put(key, value);
    }
  }

  public String toYaml() {
    return YamlTree.emit(toTree());
  }

  /**
   * The config the loader makes of {@link #toYaml}, relative paths resolved against {@code dir}.
   */
  public SiteConfig toConfig(Path dir) throws ConfigException {
    return toConfig(dir, Map.of());
  }

  /** As {@link #toConfig(Path)}, with {@code ${VAR}} references taken from {@code env}. */
  public SiteConfig toConfig(Path dir, Map<String, String> env) throws ConfigException {
    return ConfigLoader.parse(toYaml(), "site.yaml", dir, env);
  }
}
