package io.kilowatch.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What one node agent does.
 *
 * @param node the node's id: the {@code device} tag of its samples
 * @param cluster {@code cluster} tag, or null
 * @param rack {@code rack} tag, or null
 * @param tags extra tags for every sample
 * @param nvmlLibrary path or soname of NVML
 * @param interval time between NVML reads
 * @param target where batches go
 * @param bufferDir where batches wait while the target is unreachable
 * @param bufferMaxBytes bound of the disk buffer
 * @param retryMax longest wait between two attempts at an unreachable target
 */
public record AgentOptions(
    String node,
    String cluster,
    String rack,
    Map<String, String> tags,
    String nvmlLibrary,
    Duration interval,
    PushTarget target,
    Path bufferDir,
    long bufferMaxBytes,
    Duration retryMax) {

  public AgentOptions {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(bufferDir, "bufferDir");
    tags = Map.copyOf(tags);
    if (!interval.isPositive()) {
      throw new IllegalArgumentException("interval must be positive");
    }
  }
}
