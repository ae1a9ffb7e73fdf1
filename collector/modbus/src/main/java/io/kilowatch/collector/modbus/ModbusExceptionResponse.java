package io.kilowatch.collector.modbus;

/** A Modbus exception response: the device answered, and refused the request. */
public final class ModbusExceptionResponse extends Exception {
  private final int rawCode;
  private final ExceptionCode code;

  public ModbusExceptionResponse(int rawCode) {
    super(describe(rawCode));
    this.rawCode = rawCode;
    this.code = ExceptionCode.of(rawCode);
  }

  public ExceptionCode code() {
    return code;
  }

  public int rawCode() {
    return rawCode;
  }

  private static String describe(int raw) {
    ExceptionCode c = ExceptionCode.of(raw);
    return c == ExceptionCode.UNKNOWN ? "exception " + raw : c.title() + " (exception " + raw + ")";
  }
}
