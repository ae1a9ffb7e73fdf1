package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/health} over a real embedded store whose file was damaged on disk while it was
 * closed: the issue saw queries answer 500 while health said ok.
 */
class StoreHealthTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static final String SITE =
      """
      site: {name: damaged}
      store: {kind: embedded, dataDir: ./data}
      devices:
        - {id: m0, kind: meter, interval: 1m, source: {type: push, match: {meter: m0}}}
      """;

  @TempDir Path dir;
  Store store;
  WebServer web;

  @AfterEach
  void stop() {
    if (web != null) {
      web.stop();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void healthTurnsFailingWithTheCauseOnceTheStoreHitsADamagedBlock() throws Exception {
    Files.writeString(dir.resolve("site.yaml"), SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    try (var s = EmbeddedStore.open(site.store())) {
      var rnd = new Random(3);
      var batch = new ArrayList<Sample>();
      for (int i = 3000; i > 0; i--) {
        for (int d = 0; d < 50; d++) {
          batch.add(
              Sample.of(
                  now.minusSeconds(10L * i),
                  "meter",
                  Map.of("device", "m" + d),
                  Map.of("power", 100 + rnd.nextDouble())));
        }
      }
      s.write(batch);
    }
    Path file = site.store().dataDir().resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    damageABlockOfPoints(file);

    store = EmbeddedStore.open(site.store());
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    String base = "http://127.0.0.1:" + web.port();
    assertThat(JSON.readTree(get(base + "/api/health").body()).get("status").asText())
        .isEqualTo("ok");

    var query = get(base + "/api/query?measurement=meter&field=power&from=-9h&step=1m");
    assertThat(query.statusCode()).isEqualTo(500);

    var health = get(base + "/api/health");
    assertThat(health.statusCode()).isEqualTo(200);
    var body = JSON.readTree(health.body());
    assertThat(body.get("status").asText()).isEqualTo("failing");
    assertThat(body.get("storeHealth").get("state").asText()).isEqualTo("failing");
    assertThat(body.get("storeHealth").get("cause").asText())
        .contains("Corrupt database file", "kilowatch store check");
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** 4 KiB of garbage inside a block that holds points (blocks: 256 KiB after a 12 KiB header). */
  private static void damageABlockOfPoints(Path file) throws Exception {
    long block;
    var ro = new Properties();
    ro.setProperty("duckdb.read_only", "true");
    try (var c = DriverManager.getConnection("jdbc:duckdb:" + file, ro);
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT max(block_id) FROM pragma_storage_info('points') WHERE block_id >= 0")) {
      rs.next();
      block = rs.getLong(1);
    }
    var garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    try (var raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(3 * 4096 + block * 256 * 1024 + 64 * 1024);
      raf.write(garbage);
    }
  }
}
