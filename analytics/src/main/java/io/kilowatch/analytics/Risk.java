package io.kilowatch.analytics;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Thermal-throttle risk of one GPU, rack or cluster.
 *
 * @param scope {@code gpu}, {@code rack} or {@code cluster}
 * @param id the GPU ({@code node/gpuN}), rack or cluster id
 * @param score 0–100; the sum of the factors' contributions, capped
 * @param factors what drove the score, largest contribution first
 * @param minutesToSlowdown predicted from the smoothed margin trend where the margin is shrinking
 *     and already under 20 K; null otherwise
 * @param gpusByLevel for racks and clusters: how many GPUs are at each level
 * @param noMargin for a GPU without a margin factor: why its source gives none (see {@link
 *     NoMargin}); null otherwise, and then left out of the JSON
 */
public record Risk(
    String scope,
    String id,
    String cluster,
    String rack,
    RiskLevel level,
    double score,
    List<Factor> factors,
    Double minutesToSlowdown,
    Map<RiskLevel, Integer> gpusByLevel,
    @JsonInclude(JsonInclude.Include.NON_NULL) NoMargin noMargin) {

  public Risk {
    factors = List.copyOf(factors);
    gpusByLevel = gpusByLevel == null ? Map.of() : Map.copyOf(gpusByLevel);
  }

  /**
   * One input of the score.
   *
   * @param value the measured input (a margin in K, a drop in %, a bitmask...)
   * @param contribution points it added to the score
   */
  public record Factor(String name, double value, String unit, double contribution) {}

  /**
   * Why a GPU has no margin to slowdown: the page says it in words instead of drawing empty axes.
   */
  public enum NoMargin {
    /**
     * A temperature, but neither a slowdown threshold nor a margin: dcgm-exporter sends the
     * threshold only where {@code DCGM_FI_DEV_SLOWDOWN_TEMP} is in its counters file.
     */
    NO_THRESHOLD,
    /**
     * Threshold and temperature, but the newest reading is older than {@link RiskEngine#CURRENT}.
     */
    STALE
  }
}
