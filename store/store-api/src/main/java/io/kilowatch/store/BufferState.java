package io.kilowatch.store;

/**
 * Writes a store holds on disk because its database is away, and what a full buffer has cost.
 *
 * @param buffering whether writes are going to the disk buffer now
 * @param bytes bytes waiting on disk
 * @param batches batches waiting on disk
 * @param replayedSamples samples replayed into the database since start
 * @param droppedSamples samples lost because the buffer was full, since start
 * @param rejectedSamples samples the store refused for good (malformed for it), since start
 */
public record BufferState(
    boolean buffering,
    long bytes,
    long batches,
    long replayedSamples,
    long droppedSamples,
    long rejectedSamples) {}
