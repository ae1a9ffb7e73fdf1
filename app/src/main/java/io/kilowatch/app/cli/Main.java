package io.kilowatch.app.cli;

import io.kilowatch.agent.AgentCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kilowatch} command. Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 bad config, 4 the
 * embedded store's file is damaged ({@code run} cannot start on it, {@code store check} found
 * damage).
 */
@Command(
    name = "kilowatch",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Power, cooling and energy monitor for GPU data centres.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      ValidateCommand.class,
      AgentCommand.class,
      ReportCommand.class,
      ImportCommand.class,
      StoreCommand.class
    })
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_BAD_CONFIG = 3;
  public static final int EXIT_STORE_DAMAGED = 4;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line without exiting, for tests. */
  public static int execute(String... args) {
    return new CommandLine(new Main())
        .setExitCodeExceptionMapper(e -> EXIT_FAILURE)
        .setParameterExceptionHandler(
            (ex, a) -> {
              var err = ex.getCommandLine().getErr();
              err.println(ex.getMessage());
              ex.getCommandLine().usage(err);
              return EXIT_USAGE;
            })
        .execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing command: run, demo, validate, report, import, store or agent");
  }
}
