package io.kilowatch.config;

/** kilowatch's version, from the jar manifest, so it always matches the build. */
public final class Version {
  private Version() {}

  /** The build's version, or "development build" when running from classes outside a jar. */
  public static String current() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "development build" : v;
  }
}
