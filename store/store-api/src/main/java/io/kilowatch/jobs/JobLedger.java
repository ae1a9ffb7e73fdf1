package io.kilowatch.jobs;

import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The jobs kilowatch has seen, kept so that energy can be attributed over months after the
 * scheduler forgot them (slurmctld keeps finished jobs for minutes, pods vanish).
 */
public interface JobLedger extends AutoCloseable {

  /**
   * Records jobs, replacing any earlier record with the same id (a running job is recorded again
   * when it ends). Returns once they are on disk.
   */
  void record(Collection<JobRecord> jobs) throws IOException;

  /** Jobs that ran at some instant of [from, to), in start order. */
  List<JobRecord> overlapping(Instant from, Instant to);

  @Override
  void close() throws IOException;
}
