package io.kilowatch.collector.dcgm;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Vocabulary;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrapes a dcgm-exporter {@code /metrics} endpoint and turns it into one {@code gpu} sample per
 * GPU (see {@link DcgmGpuMapper} for the fields and for MIG).
 *
 * <p>The whole scrape fails (the device is down) on a connection error, a non-200 answer, or a body
 * with no DCGM series at all (wrong URL, an HTML error page). A few invalid lines in an otherwise
 * good scrape are skipped; their count is logged when it changes.
 */
public final class DcgmCollector implements DeviceCollector {
  private static final Logger log = LoggerFactory.getLogger(DcgmCollector.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final String MEASUREMENT = Vocabulary.Gpu.MEASUREMENT;

  private final Device device;
  private final Source.Dcgm source;
  private final SiteConfig site;
  private final Clock clock;
  private final Duration timeout;
  private final HttpClient http;
  // Plain http:// exporters (all that dcgm-exporter serves by default): one kept-alive connection
  // each. https:// goes through the JDK client, which does TLS.
  private final KeepAliveGet plain;
  private final PodJobs pods;
  private final String cluster;
  private int lastSkipped;
  private final ScrapeCache cache = new ScrapeCache();
  private final Readings.TagCache tagCache = new Readings.TagCache();
  private volatile CompletableFuture<HttpResponse<String>> inFlight;

  public DcgmCollector(Device device, Source.Dcgm source, SiteConfig site, Clock clock) {
    this(device, source, site, clock, null);
  }

  /**
   * As above; each successful scrape also tells {@code pods} (when not null) which Kubernetes pod
   * held which GPU.
   */
  public DcgmCollector(
      Device device, Source.Dcgm source, SiteConfig site, Clock clock, PodJobs pods) {
    this.pods = pods;
    this.cluster = clusterOf(site, device);
    this.device = Objects.requireNonNull(device, "device");
    this.source = Objects.requireNonNull(source, "source");
    this.site = site;
    this.clock = Objects.requireNonNull(clock, "clock");
    if (source.url() == null
        || !("http".equalsIgnoreCase(source.url().getScheme())
            || "https".equalsIgnoreCase(source.url().getScheme()))) {
      throw new IllegalArgumentException(
          "device " + device.id() + ": dcgm url must be http(s)://..., not " + source.url());
    }
    this.timeout =
        device.timeout() != null && device.timeout().isPositive()
            ? device.timeout()
            : DEFAULT_TIMEOUT;
    boolean plainHttp = "http".equalsIgnoreCase(source.url().getScheme());
    this.http = plainHttp ? null : SharedClient.CLIENT;
    this.plain = plainHttp ? new KeepAliveGet(source.url()) : null;
  }

  private static String clusterOf(SiteConfig site, Device device) {
    if (device.location() != null && device.location().cluster() != null) {
      // The binder sets it for every cluster and rack device; scanning the site for each of
      // 6,250 nodes made start-up quadratic.
      return device.location().cluster();
    }
    if (site == null) {
      return "";
    }
    for (var c : site.clusters()) {
      boolean in =
          c.devices().stream().anyMatch(d -> d.id().equals(device.id()))
              || c.racks().stream()
                  .flatMap(r -> r.devices().stream())
                  .anyMatch(d -> d.id().equals(device.id()));
      if (in) {
        return c.id();
      }
    }
    return "";
  }

  // One client for every https scrape: each HttpClient owns a selector thread and a connection
  // pool, and with one client per exporter a 3,000-node site spent more CPU in thousands of
  // selectors (and in the JDK's per-client bookkeeping) than in scraping. The request timeout
  // bounds each scrape. Made with the first https collector: its selector thread wakes every few
  // seconds for as long as it exists, which a site of plain http exporters need not pay for.
  private static final class SharedClient {
    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .connectTimeout(DEFAULT_TIMEOUT)
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
            .build();
  }

  @Override
  public Device device() {
    return device;
  }

  // The plain scrape ends every wait at its deadline and then only parses; the job ledger may
  // write.
  @Override
  public Duration boundedBy() {
    return plain != null && pods == null ? timeout : null;
  }

  @Override
  public synchronized List<Sample> poll() throws Exception {
    if (plain != null && pods == null) {
      // The usual case: the cache reads the body's bytes, with no text made of the whole body.
      KeepAliveGet.Response response = plainScrape();
      java.time.Instant at = clock.instant();
      return fromCache(cache.read(response.body(), response.length()), at);
    }
    String body = plain != null ? plainScrape().text() : jdkScrape();
    java.time.Instant at = clock.instant();
    if (pods == null) {
      return fromCache(cache.read(body), at);
    }
    var readings = new Readings(site, device, at);
    PrometheusTextParser.Result parsed = PrometheusTextParser.parse(body);
    checkDcgm(
        parsed.series().stream().anyMatch(s -> s.name().startsWith("DCGM_")), parsed.skipped());
    noteSkipped(parsed.skipped(), parsed.firstSkipped());
    try {
      pods.scraped(cluster, device.id(), at, PodJobs.pods(parsed.series()));
    } catch (IOException e) {
      // The GPU readings are good; only the job ledger could not take the pods.
      log.warn("device {}: pods not recorded in the job ledger: {}", device.id(), e.toString());
    }
    DcgmGpuMapper.map(parsed.series())
        .forEach((gpu, fields) -> readings.addAll(MEASUREMENT, gpu.tags(), fields, Quality.GOOD));
    return readings.samples();
  }

  /**
   * The same readings through the scrape cache (the job ledger needs every series' labels, so with
   * pods the scrape is parsed in full): each GPU's tag set is then the same object on every scrape.
   */
  private List<Sample> fromCache(ScrapeCache.Read read, java.time.Instant at) throws IOException {
    checkDcgm(read.anyDcgm(), read.skipped());
    noteSkipped(read.skipped(), read.firstSkipped());
    var readings = new Readings(site, device, at, tagCache);
    for (var gpu : read.gpus()) {
      readings.addAll(MEASUREMENT, gpu.getKey(), gpu.getValue(), Quality.GOOD);
    }
    return readings.samples();
  }

  private void checkDcgm(boolean anyDcgm, int skipped) throws IOException {
    if (!anyDcgm) {
      throw new IOException(
          source.url()
              + " holds no DCGM series"
              + (skipped > 0 ? " (" + skipped + " unreadable lines)" : ""));
    }
  }

  private void noteSkipped(int skipped, String firstSkipped) {
    if (skipped != lastSkipped) {
      if (skipped > 0) {
        log.warn(
            "device {}: skipped {} invalid lines in {}, e.g. {}",
            device.id(),
            skipped,
            source.url(),
            firstSkipped);
      }
      lastSkipped = skipped;
    }
  }

  private KeepAliveGet.Response plainScrape() throws IOException {
    KeepAliveGet.Response response = plain.get(timeout);
    if (response.status() != 200) {
      throw new IOException("GET " + source.url() + " answered " + response.status());
    }
    return response;
  }

  private String jdkScrape() throws Exception {
    var request =
        HttpRequest.newBuilder(source.url())
            .timeout(timeout)
            .header("Accept", "text/plain")
            .GET()
            .build();
    var pending = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    inFlight = pending;
    HttpResponse<String> response;
    try {
      response = pending.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException | TimeoutException e) {
      pending.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } finally {
      inFlight = null;
    }
    if (response.statusCode() != 200) {
      throw new IOException("GET " + source.url() + " answered " + response.statusCode());
    }
    return response.body();
  }

  /** Invalid lines in the last scrape. */
  public synchronized int lastSkippedLines() {
    return lastSkipped;
  }

  @Override
  public void close() {
    if (plain != null) {
      plain.abort();
    }
    // The client is shared: abort only this collector's scrape, which frees its connection.
    var pending = inFlight;
    if (pending != null) {
      pending.cancel(true);
    }
  }
}
