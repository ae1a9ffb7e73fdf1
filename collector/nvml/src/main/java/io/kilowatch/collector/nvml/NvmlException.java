package io.kilowatch.collector.nvml;

/** An NVML call that did not succeed: which function, and its return code by name. */
public final class NvmlException extends Exception {
  private static final long serialVersionUID = 1L;

  private final NvmlError error;
  private final String function;

  public NvmlException(String function, NvmlError error, String detail) {
    super(
        function + ": " + error + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"));
    this.function = function;
    this.error = error;
  }

  public NvmlError error() {
    return error;
  }

  public String function() {
    return function;
  }
}
