package io.kilowatch.testkit;

import io.kilowatch.config.InfluxConfig;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension: one real {@code influxd} per test class, registered as a static field with
 * {@code @RegisterExtension}. Without {@code influxd} on the PATH the class is skipped with a
 * message saying how to install it, unless the environment variable {@code CI} is set: then it
 * fails, so CI cannot go green without having run these tests.
 */
public final class InfluxServer implements ExecutionCondition, BeforeAllCallback, AfterAllCallback {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final boolean auth;
  private InfluxProcess process;

  private InfluxServer(boolean auth) {
    this.auth = auth;
  }

  public static InfluxServer withoutAuth() {
    return new InfluxServer(false);
  }

  public static InfluxServer withAuth() {
    return new InfluxServer(true);
  }

  private static String missing(ExtensionContext context) {
    return "influxd is not installed (apt-get install influxdb influxdb-client); "
        + context.getRequiredTestClass().getSimpleName()
        + " needs a real InfluxDB";
  }

  /** Skipped tests show up as skipped, with this reason, in the build's report. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (InfluxProcess.findInfluxd().isPresent() || System.getenv("CI") != null) {
      return ConditionEvaluationResult.enabled("influxd found, or CI requires it");
    }
    return ConditionEvaluationResult.disabled(missing(context));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    var influxd = InfluxProcess.findInfluxd();
    if (influxd.isEmpty()) {
      throw new IllegalStateException(missing(context) + ", and CI is set, so this is a failure");
    }
    process = InfluxProcess.start(influxd.get(), auth);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (process != null) {
      process.close();
    }
  }

  public InfluxProcess process() {
    return process;
  }

  /** Settings for a database name not used before in this JVM. */
  public InfluxConfig newDatabase() {
    return process.config("kw" + DATABASES.incrementAndGet());
  }

  /** A store on a fresh database, created. */
}
