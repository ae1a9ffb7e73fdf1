package io.kilowatch.store;

/**
 * A stretch of one series' good readings (GOOD or UNCERTAIN, finite) as the store keeps it: a
 * single raw reading, or a rollup bin summarised by exactly what the energy rules need about the
 * pairs of consecutive readings inside it. Pairs between two runs (the last reading of one and the
 * first of the next) are true neighbours: no good reading lies between them.
 *
 * <p>A single reading has {@code firstMs == lastMs}, {@code count == 1} and zero for every inner
 * figure.
 *
 * @param firstMs time of the first reading in the run (epoch ms)
 * @param first its value
 * @param lastMs time of the last reading in the run
 * @param last its value
 * @param count good readings in the run
 * @param rise Σ (v1 − v0) over the inner pairs whose value did not go down
 * @param area Σ (v0 + v1) / 2 × (t1 − t0) over every inner pair, in value × ms (the trapezoid)
 * @param longestMs the longest inner pair's t1 − t0, 0 when there is no inner pair
 * @param longestRise that pair's v1 − v0 (negative when it went down)
 * @param longestArea that pair's (v0 + v1) / 2 × (t1 − t0)
 * @param drops inner pairs whose value went down (v1 < v0)
 * @param dropFrom Σ v0 over those pairs
 * @param dropTo Σ v1 over those pairs
 */
public record Run(
    long firstMs,
    double first,
    long lastMs,
    double last,
    long count,
    double rise,
    double area,
    long longestMs,
    double longestRise,
    double longestArea,
    int drops,
    double dropFrom,
    double dropTo) {

  /** One raw reading. */
  public static Run of(long timeMs, double value) {
    return new Run(timeMs, value, timeMs, value, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** Whether this is one reading rather than a summarised bin. */
  public boolean single() {
    return count <= 1;
  }
}
