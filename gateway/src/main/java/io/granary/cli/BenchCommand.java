package io.granary.cli;

import picocli.CommandLine.Command;

/** {@code granary bench}: benchmark harnesses that need no other process. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark.",
    subcommands = {MetadataBench.class, EvictionBench.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }
}
