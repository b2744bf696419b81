package io.granary.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code granary} command. */
@Command(name = "granary", mixinStandardHelpOptions = true, version = "granary 0.1.0",
    description = "A data-caching gateway for AI training.",
    subcommands = {ServeCommand.class, FsCommand.class, FuseCommand.class, BenchCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("granary: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
      return 1;
    });
    int code = cl.execute(args);
    if (code != 0 || !ServeCommand.serving()) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
