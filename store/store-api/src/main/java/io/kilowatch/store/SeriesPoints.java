package io.kilowatch.store;

import java.util.List;

/** Raw readings of one series, oldest first. */
public record SeriesPoints(SeriesKey key, List<Point> points) {
  public SeriesPoints {
    points = List.copyOf(points);
  }
}
