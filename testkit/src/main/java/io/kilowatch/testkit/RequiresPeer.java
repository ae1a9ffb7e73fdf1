package io.kilowatch.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test class or method runs against these external programs: skipped where one is missing,
 * failed where one is missing and the environment variable {@code CI} is set (CI installs them all,
 * so it cannot go green without having run these tests).
 *
 * <pre>{@code
 * @RequiresPeer(Peer.INFLUXD)
 * class InfluxV1PushTest { ... }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PeerCondition.class)
public @interface RequiresPeer {
  Peer[] value();
}
