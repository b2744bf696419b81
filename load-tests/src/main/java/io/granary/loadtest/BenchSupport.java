package io.granary.loadtest;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * What {@link S3Bench} and {@link SdkBench} do the same way: option parsing, the {@code RESULT}
 * lines and progress log, percentiles, and sleeping through a window while watching for the first
 * failure of the load threads.
 */
final class BenchSupport {
  static final double MIB = 1024.0 * 1024.0;

  private BenchSupport() {}

  /** Applies one {@code --name value} option; false when the name is unknown. */
  interface OptionSetter {
    boolean set(String name, String value);
  }

  /**
   * Parses {@code args} with {@code parse}; on an {@link IllegalArgumentException} (a bad option or
   * {@code --help}) prints {@code "<program>: <message>"} and the usage to stderr and exits with 2.
   */
  static <T> T parseOrExit(String program, String usage, Function<String[], T> parse, String[] args) {
    try {
      return parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(program + ": " + e.getMessage());
      System.err.println(usage);
      System.exit(2);
      throw e; // not reached
    }
  }

  /**
   * Walks {@code --name value} pairs: {@code -h}/{@code --help} fails with "help", a name without a
   * value with "missing value for", a name {@code setter} does not take with "unknown option".
   */
  static void parseOptions(String[] args, OptionSetter setter) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        throw new IllegalArgumentException("help");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + a);
      }
      String v = args[++i];
      if (!setter.set(a, v)) {
        throw new IllegalArgumentException("unknown option " + a);
      }
    }
  }

  /** A comma list of integers, e.g. {@code 1,4}. */
  static int[] intList(String v) {
    return Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  /** Fails with "unknown workload" unless every one of {@code workloads} is in {@code known}. */
  static void checkWorkloads(List<String> workloads, List<String> known) {
    for (String w : workloads) {
      if (!known.contains(w)) {
        throw new IllegalArgumentException("unknown workload " + w);
      }
    }
  }

  /** Sleeps {@code seconds}, failing as soon as {@code failure} holds something. */
  static void sleepWatching(double seconds, AtomicReference<Throwable> failure) throws Exception {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (true) {
      if (failure.get() != null) {
        throw new IOException(message(failure.get()), failure.get());
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Thread.sleep(Math.max(1, Math.min(50, left / 1_000_000)));
    }
  }

  /** The nearest-rank percentile {@code p} (0..1) of sorted values. */
  static double percentile(long[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** The first useful message down the cause chain. */
  static String message(Throwable t) {
    while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.ExecutionException)) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  /** A progress line on stderr, {@code [tag] ...}. */
  static void log(String tag, String format, Object... args) {
    System.err.printf(Locale.ROOT, "[" + tag + "] " + format + "%n", args);
    System.err.flush();
  }

  /** A {@code RESULT <name> <value>} line on stdout, what the scripts read. */
  static void result(String name, double value) {
    System.out.printf(Locale.ROOT, "RESULT %s %.3f%n", name, value);
    System.out.flush();
  }
}
