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
 * {@code @RegisterExtension}. Without {@code influxd} on the PATH the class is skipped, or fails
 * under CI, as with {@code @RequiresPeer(Peer.INFLUXD)}.
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

  /** The rule of {@link RequiresPeer} for {@link Peer#INFLUXD}, for this extension's class. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return new PeerCondition().evaluate(context, java.util.List.of(Peer.INFLUXD));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    process = InfluxProcess.start(InfluxProcess.findInfluxd().orElseThrow(), auth);
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
