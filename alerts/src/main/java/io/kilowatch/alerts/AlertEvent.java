package io.kilowatch.alerts;

import java.time.Instant;
import java.util.SortedMap;

/** One entry of the alert history: an instance changed state. */
public record AlertEvent(
    Instant time,
    String fingerprint,
    String rule,
    SortedMap<String, String> labels,
    AlertState from,
    AlertState to,
    double value) {}
