package io.kilowatch.store;

import java.time.Instant;

/** One raw reading of one series. */
public record Point(Instant time, double value, Quality quality) {}
