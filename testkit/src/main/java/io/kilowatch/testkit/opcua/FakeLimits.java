package io.kilowatch.testkit.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfigLimits;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;

/**
 * Milo's limits, except that sampling and publishing may go down to 20 ms (tests wait for data
 * changes and should not wait long), a Read may be capped, so that polling must batch, and sessions
 * are not capped at Milo's 100: one fake stands for a hall's CDUs, each of which would be its own
 * server taking kilowatch's session (the 50,000-GPU bench's 128 CDUs found the cap).
 */
record FakeLimits(int maxNodesPerRead, long maxSessionTimeoutMs)
    implements OpcUaServerConfigLimits {
  @Override
  public UInteger getMaxNodesPerRead() {
    return maxNodesPerRead > 0
        ? uint(maxNodesPerRead)
        : OpcUaServerConfigLimits.super.getMaxNodesPerRead();
  }

  @Override
  public Double getMaxSessionTimeout() {
    return maxSessionTimeoutMs > 0
        ? (double) maxSessionTimeoutMs
        : OpcUaServerConfigLimits.super.getMaxSessionTimeout();
  }

  @Override
  public UInteger getMaxSessions() {
    return uint(100_000);
  }

  @Override
  public Double getMinSupportedSampleRate() {
    return 20.0;
  }

  @Override
  public Double getMinPublishingInterval() {
    return 20.0;
  }
}
