package io.kilowatch.web.api;

import io.kilowatch.analytics.report.ReportBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One report being made in the background for the Reports page: its progress (step k of n and the
 * phase, as the builder tells it) and, once done, the file. Read by request threads while the job's
 * thread writes it, so every field it publishes is guarded by the object's lock.
 */
final class ReportJob implements ReportBuilder.Progress {
  enum State {
    RUNNING,
    DONE,
    FAILED
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
    this.done = done;
    this.total = total;
    this.phase = what;
  }

  synchronized void finished(File f, Instant at) {
    file = f;
    state = State.DONE;
    phase = "done";
    finishedAt = at;
  }

  synchronized void failed(String message, Instant at) {
    error = message;
    state = State.FAILED;
    finishedAt = at;
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
