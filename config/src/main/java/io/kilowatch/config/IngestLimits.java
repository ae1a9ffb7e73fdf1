package io.kilowatch.config;

/**
 * What one client may make the line-protocol ingest hold ({@code web.ingest}). Every bound keeps a
 * hostile or broken writer from turning a cheap request into lasting memory: a 30 MiB tag value or
 * a line of 100,000 fields is refused, not stored as series that every later read has to carry.
 *
 * @param maxBodyBytes largest body, after decompression (413 beyond)
 * @param maxLines most lines in one body (413 beyond): what the store writer can queue at once
 * @param maxLineLength longest line, in characters
 * @param maxTagKeyLength longest tag key, in characters
 * @param maxTagValueLength longest tag value, in characters
 * @param maxFieldsPerLine most fields on one line (each field is a series)
 * @param maxSeriesPerMeasurement most series one measurement may hold
 * @param maxSeries most series in all, counting those the store held at start-up
 * @param maxNewSeriesPerMinute most series writes may create in one minute (429 beyond)
 */
public record IngestLimits(
    int maxBodyBytes,
    int maxLines,
    int maxLineLength,
    int maxTagKeyLength,
    int maxTagValueLength,
    int maxFieldsPerLine,
    int maxSeriesPerMeasurement,
    int maxSeries,
    int maxNewSeriesPerMinute) {
  /**
   * Sized for the scale the ingest bench measures (25,000 GPUs × 20 fields, one measurement), with
   * room for the rest of a site; a larger fleet raises them in the file.
   */
  public static final IngestLimits DEFAULT =
      new IngestLimits(32 << 20, 100_000, 65_536, 256, 1_024, 500, 1_000_000, 2_000_000, 100_000);

  public IngestLimits {
    positive("maxBodyBytes", maxBodyBytes);
    positive("maxLines", maxLines);
    positive("maxLineLength", maxLineLength);
    positive("maxTagKeyLength", maxTagKeyLength);
    positive("maxTagValueLength", maxTagValueLength);
    positive("maxFieldsPerLine", maxFieldsPerLine);
    positive("maxSeriesPerMeasurement", maxSeriesPerMeasurement);
    positive("maxSeries", maxSeries);
    positive("maxNewSeriesPerMinute", maxNewSeriesPerMinute);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
  }
}
