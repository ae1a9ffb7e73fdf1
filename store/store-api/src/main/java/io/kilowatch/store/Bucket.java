package io.kilowatch.store;

import java.time.Instant;

/**
 * One step of an aggregate query.
 *
 * @param start inclusive start of the step, aligned to a multiple of the step since the epoch
 * @param value the aggregate of the good readings in the step
 * @param count how many good readings went into it, so callers can compute coverage
 */
public record Bucket(Instant start, double value, long count) {}
