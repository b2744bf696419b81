package io.granary.loadtest;

import static io.granary.loadtest.BenchSupport.MIB;

import io.granary.loadtest.FileReadBench.FileList;
import io.granary.loadtest.FileReadBench.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training data-loader simulation (issue 6): what a PyTorch-style loader does to a file system.
 * Not a test and not a benchmark of the JVM: run it by hand against any directory, e.g. a FUSE
 * mount and its local copy:
 *
 * <pre>
 * java -cp load-tests/target/classes io.granary.loadtest.LoaderSim /mnt/granary/bench/small \
 *   --threads 8 --epochs 3 --step-ms 2 --seed 1 --baseline /data/bench/small
 * </pre>
 *
 * <p>The regular files under DIR (listed once, in path order; {@code --files M} keeps the first M)
 * are the samples. Each epoch shuffles them afresh (seed {@code --seed} + epoch, so every run and
 * the baseline see the same orders), and {@code --threads} reader threads take the next sample from
 * a shared index, read it whole ({@link FileReadBench#readWhole}, open-read-close into a reused
 * 1 MiB direct buffer) and then "compute" for {@code --step-ms} milliseconds
 * ({@code LockSupport.parkNanos}: the thread is blocked like one waiting for a GPU, the core is
 * free). With {@code --baseline DIR2} the same loader first runs on DIR2 (the local copy), then on
 * DIR, and each epoch of DIR is also given as a percentage of the baseline's epoch.
 *
 * <p>Output (stdout): one markdown table per run, then {@code key=value} lines ({@code run= epoch=
 * samples= seconds= samples_per_s= mib_per_s= errors=}, and {@code pct_of_baseline=} on DIR's
 * epochs). A read error or a short read counts as an error; any error makes the exit status 1.
 */
public final class LoaderSim {
  private LoaderSim() {}

  public static void main(String[] args) {
    Options o = BenchSupport.parseOrExit("LoaderSim", Options.USAGE, Options::parse, args);
    BenchSupport.runAndExit("LoaderSim", () -> run(o));
  }

  record Epoch(int epoch, Run run) {
    double samplesPerS() {
      return run.files() / run.seconds();
    }

    double mibPerS() {
      return run.bytes() / MIB / run.seconds();
    }
  }

  private static int run(Options o) throws Exception {
    List<Epoch> base = null;
    long errors = 0;
    if (o.baseline != null) {
      base = load(o, o.baseline, "baseline");
      errors += errors(base);
    }
    List<Epoch> target = load(o, o.dir, o.label);
    errors += errors(target);
    if (base != null) {
      print("baseline", o.baseline, o, base, null);
    }
    print(o.label, o.dir, o, target, base);
    if (base != null) {
      for (Epoch e : base) {
        kv("baseline", e, null);
      }
    }
    for (Epoch e : target) {
      kv(o.label, e, base == null ? null : pct(e, base));
    }
    return errors == 0 ? 0 : 1;
  }

  private static long errors(List<Epoch> es) {
    return es.stream().mapToLong(e -> e.run().errors()).sum();
  }

  private static Double pct(Epoch e, List<Epoch> base) {
    Epoch b = base.get(e.epoch() - 1);
    return b.samplesPerS() == 0 ? null : 100 * e.samplesPerS() / b.samplesPerS();
  }

  private static List<Epoch> load(Options o, Path dir, String label) throws IOException, InterruptedException {
    FileList files = FileList.of(dir).first(o.files > 0 ? o.files : Integer.MAX_VALUE);
    if (files.size() == 0) {
      throw new IOException("no regular files under " + dir);
    }
    log("%s: %d samples (%.1f MiB) under %s; %d reader thread(s), %d epoch(s), %s ms step", label, files.size(),
        files.totalBytes() / MIB, dir, o.threads, o.epochs, fmtMs(o.stepMs));
    List<Epoch> out = new ArrayList<>();
    for (int e = 1; e <= o.epochs; e++) {
      int[] order = FileReadBench.shuffled(files.size(), o.seed + e);
      Run r = FileReadBench.readFiles(files, order, files.size(), 0, o.threads, (long) (o.stepMs * 1e6),
          "loader-" + label);
      Epoch ep = new Epoch(e, r);
      log("%s epoch %d: %d samples in %.2f s: %.0f samples/s, %.1f MiB/s, %d error(s)", label, e, r.files(),
          r.seconds(), ep.samplesPerS(), ep.mibPerS(), r.errors());
      out.add(ep);
    }
    return out;
  }

  private static void print(String label, Path dir, Options o, List<Epoch> es, List<Epoch> base) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%n**%s** (`%s`): %d reader threads, %s ms step", label, dir, o.threads,
        fmtMs(o.stepMs)));
    if (o.stepMs > 0) {
      b.append(String.format(Locale.ROOT, " (step-bound ceiling %.0f samples/s)", o.threads * 1000.0 / o.stepMs));
    }
    b.append(String.format(Locale.ROOT, "%n%n| epoch | samples | seconds | samples/s | MiB/s | errors |%s%n",
        base != null ? " % of baseline samples/s |" : ""));
    b.append("|---:|---:|---:|---:|---:|---:|").append(base != null ? "---:|" : "").append('\n');
    for (Epoch e : es) {
      b.append(String.format(Locale.ROOT, "| %d | %d | %.2f | %.0f | %.1f | %d |", e.epoch(), e.run().files(),
          e.run().seconds(), e.samplesPerS(), e.mibPerS(), e.run().errors()));
      if (base != null) {
        Double p = pct(e, base);
        b.append(p == null ? " n/a |" : String.format(Locale.ROOT, " %.0f%% |", p));
      }
      b.append('\n');
    }
    System.out.print(b);
    System.out.println();
  }

  private static void kv(String label, Epoch e, Double pct) {
    System.out.printf(Locale.ROOT, "run=%s epoch=%d samples=%d seconds=%.3f samples_per_s=%.1f mib_per_s=%.1f errors=%d%s%n",
        label, e.epoch(), e.run().files(), e.run().seconds(), e.samplesPerS(), e.mibPerS(), e.run().errors(),
        pct == null ? "" : String.format(Locale.ROOT, " pct_of_baseline=%.1f", pct));
  }

  private static String fmtMs(double ms) {
    return ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms);
  }

  private static void log(String format, Object... args) {
    BenchSupport.log("loadersim", format, args);
  }

  // ---------------------------------------------------------------- options

  static final class Options {
    static final String USAGE = """
        usage: LoaderSim DIR [--threads N] [--epochs E] [--step-ms MS] [--seed S] [--files M] [--baseline DIR2]
          DIR              the samples: every regular file under it
          --threads N      reader threads (default 8)
          --epochs E       epochs, each a fresh shuffle seeded with S + epoch (default 3)
          --step-ms MS     simulated compute step after each sample, per thread (default 2; 0: none)
          --seed S         (default 1)
          --files M        only the first M files in path order (default: all)
          --baseline DIR2  run the same loader on DIR2 (e.g. the local copy) first and compare
          --label NAME     DIR's name in the output (default: target)""";

    Path dir;
    int threads = 8;
    int epochs = 3;
    double stepMs = 2;
    long seed = 1;
    int files;
    Path baseline;
    String label = "target";

    static Options parse(String[] args) {
      String[] rest = BenchSupport.operands(args, 1, "expected DIR first");
      Options o = new Options();
      o.dir = Path.of(args[0]);
      BenchSupport.parseOptions(rest, (a, v) -> {
        switch (a) {
          case "--threads" -> o.threads = Integer.parseInt(v);
          case "--epochs" -> o.epochs = Integer.parseInt(v);
          case "--step-ms" -> o.stepMs = Double.parseDouble(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--files" -> o.files = Integer.parseInt(v);
          case "--baseline" -> o.baseline = Path.of(v);
          case "--label" -> o.label = v;
          default -> {
            return false;
          }
        }
        return true;
      });
      if (o.threads < 1 || o.epochs < 1 || o.stepMs < 0 || o.files < 0) {
        throw new IllegalArgumentException("--threads and --epochs must be >= 1, --step-ms and --files >= 0");
      }
      if (o.label.equals("baseline") || o.label.isBlank() || o.label.contains(" ")) {
        throw new IllegalArgumentException("--label must be one word other than 'baseline'");
      }
      return o;
    }
  }
}
