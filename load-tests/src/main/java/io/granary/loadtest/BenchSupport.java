package io.granary.loadtest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * What the drivers ({@link S3Bench}, {@link SdkBench}, {@link GrpcLoad}, {@link FileReadBench},
 * {@link LoaderSim}) do the same way: option parsing, usage and exit, running {@code main} with its
 * failure report, the {@code RESULT} lines and progress log, percentiles, load threads, and
 * sleeping through a window while watching for the first failure of the load threads.
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
      usageExit(program, e.getMessage(), usage);
      throw e; // not reached
    }
  }

  /** Prints {@code "<program>: <message>"} and the usage to stderr and exits with 2. */
  static void usageExit(String program, String message, String usage) {
    System.err.println(program + ": " + message);
    System.err.println(usage);
    System.exit(2);
  }

  /** A driver's work after its options are parsed: the exit status. */
  interface Main {
    int run() throws Exception;
  }

  /**
   * Runs {@code main}; a failure is printed to stderr as {@code "<program>: FAILED: <message>"}
   * with its stack trace and gives exit status 1.
   */
  static int runReporting(String program, Main main) {
    try {
      return main.run();
    } catch (Throwable t) {
      System.err.println(program + ": FAILED: " + message(t));
      t.printStackTrace(System.err);
      return 1;
    }
  }

  /** Flushes stdout and exits with {@code rc}. */
  static void exitWith(int rc) {
    System.out.flush();
    System.exit(rc);
  }

  /** {@link #runReporting}, then {@link #exitWith} its status. */
  static void runAndExit(String program, Main main) {
    exitWith(runReporting(program, main));
  }

  /**
   * The {@code n} operands (mode, path) that come before the options: fails with "help" when the
   * first argument is {@code -h}/{@code --help}, with {@code expected} when there are fewer than
   * {@code n} arguments or one of the first {@code n} starts with "-". Returns the rest.
   */
  static String[] operands(String[] args, int n, String expected) {
    boolean ok = args.length >= n;
    for (int i = 0; ok && i < n; i++) {
      ok = !args[i].startsWith("-");
    }
    if (!ok) {
      if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
        throw new IllegalArgumentException("help");
      }
      throw new IllegalArgumentException(expected);
    }
    return Arrays.copyOfRange(args, n, args.length);
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

  /**
   * The options of a driver that loads a gateway on {@code --host}/{@code --port} with a key pair,
   * for a measured window of {@code --seconds} after {@code --warmup}.
   */
  abstract static class GatewayOptions {
    String host = "127.0.0.1";
    int port = -1;
    String accessKey;
    String secretKey;
    double seconds;
    double warmup;

    GatewayOptions(double seconds, double warmup) {
      this.seconds = seconds;
      this.warmup = warmup;
    }

    /** Applies {@code --host}, {@code --port}, the keys, {@code --seconds} or {@code --warmup}; false for any other name. */
    boolean setGateway(String name, String value) {
      switch (name) {
        case "--host" -> host = value;
        case "--port" -> port = Integer.parseInt(value);
        case "--access-key" -> accessKey = value;
        case "--secret-key" -> secretKey = value;
        case "--seconds" -> seconds = Double.parseDouble(value);
        case "--warmup" -> warmup = Double.parseDouble(value);
        default -> {
          return false;
        }
      }
      return true;
    }

    /** Fails unless the port and both keys were given. */
    void checkGateway() {
      if (port <= 0 || accessKey == null || secretKey == null) {
        throw new IllegalArgumentException("--port, --access-key and --secret-key are required");
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

  /** The body of each of {@link #runThreads}' threads. */
  interface Work {
    void run() throws Exception;
  }

  /**
   * Runs {@code work} on {@code threads} daemon platform threads named {@code name-N} and waits for
   * them all. The first failure of any is kept in {@code failure} (where the work may watch for it
   * to stop early) and then thrown as an {@link IOException} {@code "<what>: <message>"}.
   */
  static void runThreads(int threads, String name, String what, AtomicReference<Throwable> failure, Work work)
      throws Exception {
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ts.add(Thread.ofPlatform().daemon().name(name + "-" + t).start(() -> {
        try {
          work.run();
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    for (Thread t : ts) {
      t.join();
    }
    if (failure.get() != null) {
      throw new IOException(what + ": " + message(failure.get()), failure.get());
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
