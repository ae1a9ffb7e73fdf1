package io.kilowatch.analytics.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes a report in one of the formats. */
public final class ReportWriter {
  private ReportWriter() {}

  public static void write(Report r, ReportFormat format, OutputStream out) throws IOException {
    switch (format) {
      case CSV -> out.write(CanonicalText.csv(r).getBytes(StandardCharsets.UTF_8));
      case JSON -> out.write(CanonicalText.json(r).getBytes(StandardCharsets.UTF_8));
      case HTML -> out.write(HtmlReport.render(r).getBytes(StandardCharsets.UTF_8));
      case PDF -> PdfReport.write(r, out);
    }
  }
}
