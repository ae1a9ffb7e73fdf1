package io.kilowatch.agent;

import io.kilowatch.config.Version;
import picocli.CommandLine;

/**
 * {@code java -jar kilowatch-agent.jar --target ...}: the agent alone, for GPU nodes, without the
 * server's store, web server and reports on the class path. Same options and exit codes as {@code
 * kilowatch agent}.
 */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the agent command line without exiting, for tests. */
  public static int execute(String... args) {
    var cmd = new CommandLine(new AgentCommand());
    cmd.setCommandName("kilowatch-agent");
    cmd.getCommandSpec().version("kilowatch-agent " + Version.current());
    return cmd.setExitCodeExceptionMapper(e -> 1)
        .setParameterExceptionHandler(
            (ex, a) -> {
              var err = ex.getCommandLine().getErr();
              err.println(ex.getMessage());
              ex.getCommandLine().usage(err);
              return 2;
            })
        .execute(args);
  }
}
