package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  @Test
  void aPreviousDemosDataIsRemovedButTheDirectoryKept(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("demo-site.yaml"), "site: {}\n");
    Files.writeString(dir.resolve("kilowatch.duckdb"), "x");
    Files.createDirectories(dir.resolve("jobs"));
    Files.writeString(dir.resolve("jobs/jobs.ledger"), "j1\n");

    DemoCommand.forgetPreviousDemo(dir);

    assertThat(dir).isDirectory();
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aDirectoryNoDemoWroteIsLeftAlone(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("kilowatch.duckdb"), "x");

    DemoCommand.forgetPreviousDemo(dir);

    assertThat(dir.resolve("kilowatch.duckdb")).exists();
  }

  @Test
  void aMissingDirectoryIsFine(@TempDir Path dir) throws Exception {
    DemoCommand.forgetPreviousDemo(dir.resolve("not-yet"));

    assertThat(dir.resolve("not-yet")).doesNotExist();
  }
}
