package io.kilowatch.web.api;

/** A request the client can fix: answered with 400 and the name of the offending parameter. */
public final class BadRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String parameter;

  public BadRequest(String parameter, String message) {
    super(message);
    this.parameter = parameter;
  }

  public String parameter() {
    return parameter;
  }
}
