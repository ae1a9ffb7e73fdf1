package io.kilowatch.config;

/** ASHRAE air-cooling environmental class, which sets the allowed rack inlet temperature. */
public enum AshraeClass {
  A1,
  A2,
  A3,
  A4,
  H1
}
