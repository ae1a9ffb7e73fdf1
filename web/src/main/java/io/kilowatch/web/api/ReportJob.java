package io.kilowatch.web.api;

import io.kilowatch.analytics.report.ReportBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One report being made, in the background for the Reports page or for a one-shot download: its
 * progress (step k of n and the phase, as the builder tells it) and, once done, the file. Read by
 * request threads while the job's thread writes it, so every field it publishes is guarded by the
 * object's lock.
 *
 * <p>It can be stopped (a DELETE, its time limit, the server's stop): the builder is told at its
 * next step, which throws {@link Stopped} out of it, and the thread making it is interrupted so a
 * wait inside a step ends too.
 */
final class ReportJob implements ReportBuilder.Progress {
  enum State {
    RUNNING,
    DONE,
    FAILED,
    CANCELLED
  }

  /** Thrown out of the builder's progress callback once the job was told to stop. */
  static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final State state;

    Stopped(State state, String message) {
      super(message, null, false, false);
      this.state = state;
    }
  }

  /** The finished file. */
  record File(byte[] bytes, String name, String contentType, String inputSha256) {}

  private final String id;
  private final ReportRoutes.Request request;
  private State state = State.RUNNING;
  private int done;
  private int total;
  private String phase = "starting";
  private String error;
  private File file;
  private Instant finishedAt;
  private Stopped stop;
  private Thread worker;

  ReportJob(String id, ReportRoutes.Request request) {
    this.id = id;
    this.request = request;
  }

  String id() {
    return id;
  }

  ReportRoutes.Request request() {
    return request;
  }

  @Override
  public synchronized void step(int done, int total, String what) {
    stopIfTold();
    this.done = done;
    this.total = total;
    this.phase = what;
  }

  /** Throws {@link Stopped} if the job was told to stop; the builder calls it between steps. */
  synchronized void stopIfTold() {
    if (stop != null) {
      throw stop;
    }
  }

  /** The thread making the report is {@code t} (null once it is done with it). */
  synchronized void runningOn(Thread t) {
    worker = t;
  }

  /**
   * Tells a running job to stop, as {@code state} with {@code message}; false if it had ended. The
   * worker is interrupted only while it is this job's, never a later job's on the same thread.
   */
  synchronized boolean stop(State state, String message) {
    if (this.state != State.RUNNING || stop != null) {
      return false;
    }
    stop = new Stopped(state, message);
    if (worker != null) {
      worker.interrupt();
    }
    return true;
  }

  synchronized void finished(File f, Instant at) {
    file = f;
    state = State.DONE;
    phase = "done";
    finishedAt = at;
  }

  synchronized void failed(String message, Instant at) {
    failed(State.FAILED, message, at);
  }

  synchronized void failed(State as, String message, Instant at) {
    error = message;
    state = as;
    finishedAt = at;
  }

  /** Why it was told to stop, or null. */
  synchronized Stopped stopped() {
    return stop;
  }

  synchronized State state() {
    return state;
  }

  synchronized File file() {
    return file;
  }

  /** Whether it ended before {@code cutoff} (then it may be forgotten). */
  synchronized boolean endedBefore(Instant cutoff) {
    return finishedAt != null && finishedAt.isBefore(cutoff);
  }

  /** What {@code GET /api/reports/jobs/{id}} answers. */
  synchronized Map<String, Object> view() {
    var m = new LinkedHashMap<String, Object>();
    m.put("id", id);
    m.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
    m.put("done", done);
    m.put("total", total);
    m.put("phase", phase);
    m.put("from", request.from().toString());
    m.put("to", request.to().toString());
    m.put("format", request.format().extension());
    m.put("cluster", request.cluster());
    m.put("error", error);
    m.put("file", file == null ? null : "/api/reports/jobs/" + id + "/file");
    m.put("fileName", file == null ? null : file.name());
    m.put("bytes", file == null ? null : file.bytes().length);
    m.put("inputSha256", file == null ? null : file.inputSha256());
    return m;
  }
}
