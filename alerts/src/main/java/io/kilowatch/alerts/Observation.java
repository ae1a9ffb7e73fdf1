package io.kilowatch.alerts;

import java.util.SortedMap;

/** What one rule sees for one label set at one evaluation. */
record Observation(SortedMap<String, String> labels, double value) {}
