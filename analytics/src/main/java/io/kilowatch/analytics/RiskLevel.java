package io.kilowatch.analytics;

/** How close a GPU, rack or cluster is to thermal throttling. */
public enum RiskLevel {
  OK,
  WATCH,
  WARNING,
  CRITICAL;

  /** The level of a 0–100 score: below 25 ok, below 50 watch, below 75 warning, else critical. */
  static RiskLevel of(double score) {
    if (score >= 75) {
      return CRITICAL;
    }
    if (score >= 50) {
      return WARNING;
    }
    if (score >= 25) {
      return WATCH;
    }
    return OK;
  }

  RiskLevel max(RiskLevel o) {
    return compareTo(o) >= 0 ? this : o;
  }
}
