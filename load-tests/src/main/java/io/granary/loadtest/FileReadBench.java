package io.granary.loadtest;

import static io.granary.loadtest.BenchSupport.MIB;
import static io.granary.loadtest.BenchSupport.message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * File-system read benchmark (issue 6), plain JDK I/O so it measures whatever is mounted at the
 * path: a local disk, bindfs, Granary's FUSE mount. Not a test: run by
 * {@code load-tests/fuse-bench.sh}, one JVM per measurement, or by hand:
 *
 * <pre>
 * java -cp load-tests/target/classes io.granary.loadtest.FileReadBench small DIR --threads 4 --epochs 1
 * java -cp load-tests/target/classes io.granary.loadtest.FileReadBench seq FILE --block 1MiB
 * java -cp load-tests/target/classes io.granary.loadtest.FileReadBench gen DIR --files 10000 --size 100KiB --large 1GiB
 * </pre>
 *
 * <ul>
 *   <li>{@code small DIR}: lists every regular file under DIR once (before the clock starts),
 *       shuffles them with {@code --seed}, and {@code --threads} threads each take the next file
 *       from a shared index and read it whole (open, {@link FileChannel#read} into a reused 1 MiB
 *       direct buffer per thread until end of file, close). {@code --epochs E} reads E full passes
 *       (one pass: every file once); {@code --seconds S} reads until S seconds have passed.
 *   <li>{@code seq FILE}: one sequential read of FILE with {@code --block}-sized reads.
 *   <li>{@code gen DIR}: writes the data set: {@code --files} files of {@code --size} bytes in
 *       DIR/small/NNN/ (1000 per directory) and, with {@code --large}, one file DIR/large of that
 *       size; seeded pseudo-random bytes.
 * </ul>
 * The result is one line on stdout, {@code key=value} pairs ({@code mode files bytes seconds
 * files_per_s mib_per_s errors} ...); progress and errors go to stderr. A read error, or a file
 * whose bytes read differ from the size it had when listed, counts as an error, and any error
 * makes the exit status 1.
 */
public final class FileReadBench {
  static final int BUFFER = 1 << 20;
  private static final int MAX_LOGGED_ERRORS = 10;
  private static final int FILES_PER_DIR = 1000;

  private FileReadBench() {}

  public static void main(String[] args) {
    Options o = BenchSupport.parseOrExit("FileReadBench", Options.USAGE, Options::parse, args);
    BenchSupport.runAndExit("FileReadBench", () -> switch (o.mode) {
      case "small" -> small(o);
      case "seq" -> seq(o);
      case "gen" -> gen(o);
      default -> throw new IllegalArgumentException("unknown mode " + o.mode);
    });
  }

  // ---------------------------------------------------------------- small

  private static int small(Options o) throws Exception {
    long l0 = System.nanoTime();
    FileList files = FileList.of(o.path);
    if (files.size() == 0) {
      throw new IOException("no regular files under " + o.path);
    }
    log("listed %d files (%.1f MiB) under %s in %.2f s; %d thread(s), %s", files.size(), files.totalBytes() / MIB,
        o.path, (System.nanoTime() - l0) / 1e9, o.threads,
        o.seconds > 0 ? o.seconds + " s" : o.epochs + " pass(es)");
    int[] order = shuffled(files.size(), o.seed);
    long limit = o.seconds > 0 ? Long.MAX_VALUE : (long) o.epochs * files.size();
    Run r = readFiles(files, order, limit, o.seconds, o.threads, 0, "read");
    double passes = (double) r.files() / files.size();
    System.out.printf(Locale.ROOT,
        "mode=small threads=%d passes=%.2f files=%d bytes=%d seconds=%.3f files_per_s=%.1f mib_per_s=%.1f errors=%d%n",
        o.threads, passes, r.files(), r.bytes(), r.seconds(), r.files() / r.seconds(), r.bytes() / MIB / r.seconds(),
        r.errors());
    log("%d files, %.1f MiB in %.3f s: %.0f files/s, %.1f MiB/s, %d error(s)", r.files(), r.bytes() / MIB,
        r.seconds(), r.files() / r.seconds(), r.bytes() / MIB / r.seconds(), r.errors());
    return r.errors() == 0 ? 0 : 1;
  }

  /** What {@link #readFiles} did: whole files read, their bytes, failed files, wall time. */
  record Run(long files, long bytes, long errors, double seconds) {}

  /**
   * {@code threads} threads take indices from one shared counter, up to {@code limit} (or until
   * {@code seconds} when positive), read file {@code order[i % order.length]} whole, and then, if
   * {@code stepNanos > 0}, park that long (a simulated compute step). The clock runs from the moment
   * every thread has its buffer until the last one ends.
   */
  static Run readFiles(FileList files, int[] order, long limit, double seconds, int threads, long stepNanos,
      String name) throws InterruptedException {
    AtomicLong next = new AtomicLong();
    LongAdder done = new LongAdder();
    LongAdder bytes = new LongAdder();
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<Throwable> crash = new AtomicReference<>();
    long[] deadline = {Long.MAX_VALUE};
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ts.add(Thread.ofPlatform().daemon().name(name + "-" + t).start(() -> {
        try {
          ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
          ready.countDown();
          go.await();
          long i;
          while ((i = next.getAndIncrement()) < limit && System.nanoTime() < deadline[0]) {
            int f = order[(int) (i % order.length)];
            Path p = files.path(f);
            try {
              long n = readWhole(p, buf);
              if (n != files.length(f)) {
                error(errors, p + ": read " + n + " bytes, its size was " + files.length(f));
              } else {
                done.increment();
                bytes.add(n);
              }
            } catch (IOException e) {
              error(errors, p + ": " + message(e));
            }
            if (stepNanos > 0) {
              LockSupport.parkNanos(stepNanos);
            }
          }
        } catch (Throwable e) {
          crash.compareAndSet(null, e);
          ready.countDown();
        }
      }));
    }
    ready.await();
    long t0 = System.nanoTime();
    deadline[0] = seconds > 0 ? t0 + (long) (seconds * 1e9) : Long.MAX_VALUE;
    go.countDown(); // publishes deadline[0] to the threads
    for (Thread t : ts) {
      t.join();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (crash.get() != null) {
      error(errors, name + ": " + message(crash.get()));
    }
    return new Run(done.sum(), bytes.sum(), errors.get(), secs);
  }

  private static void error(AtomicInteger errors, String what) {
    if (errors.incrementAndGet() <= MAX_LOGGED_ERRORS) {
      log("ERROR %s", what);
    }
  }

  /** Opens {@code p}, reads it to its end into {@code buf} (cleared before each read), closes it; the bytes read. */
  static long readWhole(Path p, ByteBuffer buf) throws IOException {
    long total = 0;
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      while (true) {
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          return total;
        }
        total += n;
      }
    }
  }

  /** {@code 0..n-1} shuffled with {@code new Random(seed)} (Fisher-Yates, like Collections.shuffle). */
  static int[] shuffled(int n, long seed) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int x = a[i];
      a[i] = a[j];
      a[j] = x;
    }
    return a;
  }

  /** The regular files under a directory, in path order, with the sizes they had when listed. */
  record FileList(Path root, List<Path> paths, long[] lengths, long totalBytes) {
    static FileList of(Path root) throws IOException {
      record F(Path p, long len) {}
      List<F> found = new ArrayList<>();
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            found.add(new F(file, attrs.size()));
          }
          return FileVisitResult.CONTINUE;
        }
      });
      found.sort(Comparator.comparing(f -> root.relativize(f.p()).toString()));
      List<Path> paths = new ArrayList<>(found.size());
      long[] lengths = new long[found.size()];
      long total = 0;
      for (int i = 0; i < found.size(); i++) {
        paths.add(found.get(i).p());
        lengths[i] = found.get(i).len();
        total += lengths[i];
      }
      return new FileList(root, paths, lengths, total);
    }

    /** The first {@code n} files (all when {@code n} is at least the count). */
    FileList first(int n) {
      if (n >= paths.size()) {
        return this;
      }
      long total = 0;
      for (int i = 0; i < n; i++) {
        total += lengths[i];
      }
      return new FileList(root, paths.subList(0, n), java.util.Arrays.copyOf(lengths, n), total);
    }

    int size() {
      return paths.size();
    }

    Path path(int i) {
      return paths.get(i);
    }

    long length(int i) {
      return lengths[i];
    }
  }

  // ---------------------------------------------------------------- seq

  private static int seq(Options o) throws IOException {
    long size = Files.size(o.path);
    ByteBuffer buf = ByteBuffer.allocateDirect(o.block);
    long total = 0;
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(o.path, StandardOpenOption.READ)) {
      while (true) {
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          break;
        }
        total += n;
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    int errors = 0;
    if (total != size) {
      errors = 1;
      log("ERROR %s: read %d bytes, its size was %d", o.path, total, size);
    }
    System.out.printf(Locale.ROOT, "mode=seq block=%d files=1 bytes=%d seconds=%.3f files_per_s=%.3f mib_per_s=%.1f errors=%d%n",
        o.block, total, secs, 1 / secs, total / MIB / secs, errors);
    log("%s: %.1f MiB in %.3f s with %d KiB reads: %.1f MiB/s", o.path, total / MIB, secs, o.block >> 10,
        total / MIB / secs);
    return errors == 0 ? 0 : 1;
  }

  // ---------------------------------------------------------------- gen

  private static int gen(Options o) throws Exception {
    long t0 = System.nanoTime();
    Files.createDirectories(o.path);
    long bytes = 0;
    if (o.large > 0) {
      byte[] b = new byte[BUFFER];
      try (FileChannel ch = FileChannel.open(o.path.resolve("large"), StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        for (long off = 0, i = 0; off < o.large; off += BUFFER, i++) {
          int n = (int) Math.min(BUFFER, o.large - off);
          new SplittableRandom(o.seed * 0x9E3779B97F4A7C15L + i).nextBytes(b);
          ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
          while (bb.hasRemaining()) {
            ch.write(bb);
          }
        }
      }
      bytes += o.large;
    }
    for (int d = 0; d * FILES_PER_DIR < o.files; d++) {
      Files.createDirectories(o.path.resolve(String.format(Locale.ROOT, "small/%03d", d)));
    }
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    BenchSupport.runThreads(o.threads, "gen", "gen", failure, () -> {
      byte[] b = new byte[o.size];
      int i;
      while ((i = next.getAndIncrement()) < o.files && failure.get() == null) {
        new SplittableRandom(o.seed ^ ((long) i << 20)).nextBytes(b);
        Files.write(o.path.resolve(String.format(Locale.ROOT, "small/%03d/f-%05d", i / FILES_PER_DIR, i)), b);
      }
    });
    bytes += (long) o.files * o.size;
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "mode=gen files=%d bytes=%d seconds=%.3f files_per_s=%.1f mib_per_s=%.1f errors=0%n",
        o.files + (o.large > 0 ? 1 : 0), bytes, secs, o.files / secs, bytes / MIB / secs);
    log("wrote %d files of %d bytes%s under %s in %.1f s", o.files, o.size,
        o.large > 0 ? " and one of " + o.large : "", o.path, secs);
    return 0;
  }

  // ---------------------------------------------------------------- helpers

  /** A size: plain bytes, or with a suffix K/KiB, M/MiB, G/GiB (all powers of 1024). */
  static long parseSize(String v) {
    String s = v.trim();
    String digits = s.replaceAll("[^0-9].*$", "");
    String unit = s.substring(digits.length()).trim().toLowerCase(Locale.ROOT);
    if (digits.isEmpty()) {
      throw new IllegalArgumentException("bad size " + v);
    }
    long n = Long.parseLong(digits);
    return switch (unit) {
      case "", "b" -> n;
      case "k", "kb", "kib" -> n << 10;
      case "m", "mb", "mib" -> n << 20;
      case "g", "gb", "gib" -> n << 30;
      default -> throw new IllegalArgumentException("bad size unit in " + v + " (K/KiB, M/MiB, G/GiB)");
    };
  }

  static void log(String format, Object... args) {
    BenchSupport.log("filereadbench", format, args);
  }

  // ---------------------------------------------------------------- options

  static final class Options {
    static final String USAGE = """
        usage: FileReadBench small DIR [--threads N] [--epochs E | --seconds S] [--seed X]
               FileReadBench seq FILE [--block SIZE]
               FileReadBench gen DIR --files N --size SIZE [--large SIZE] [--seed X] [--threads N]
          small: reads every regular file under DIR whole, in a seeded shuffled order, on N threads
                 sharing one index (default 1 thread, 1 pass; --seconds S: until S seconds passed)
          seq:   one sequential read of FILE in SIZE reads (default 1MiB)
          gen:   writes N files of SIZE bytes under DIR/small/NNN/ (1000 per directory) and, with
                 --large, DIR/large (default 2 threads)
          sizes: bytes or with K/KiB, M/MiB, G/GiB; output: one key=value line; exit 1 on any error""";

    String mode;
    Path path;
    int threads = 1;
    int epochs = 1;
    double seconds;
    long seed = 1;
    int block = 1 << 20;
    int files;
    int size;
    long large;

    static Options parse(String[] args) {
      String[] rest = BenchSupport.operands(args, 2, "expected a mode (small, seq, gen) and a path");
      Options o = new Options();
      o.mode = args[0];
      o.path = Path.of(args[1]);
      boolean gen = o.mode.equals("gen");
      if (gen) {
        o.threads = 2;
      }
      BenchSupport.parseOptions(rest, (a, v) -> {
        switch (a) {
          case "--threads" -> o.threads = Integer.parseInt(v);
          case "--epochs" -> o.epochs = Integer.parseInt(v);
          case "--seconds" -> o.seconds = Double.parseDouble(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--block" -> o.block = Math.toIntExact(parseSize(v));
          case "--files" -> o.files = Integer.parseInt(v);
          case "--size" -> o.size = Math.toIntExact(parseSize(v));
          case "--large" -> o.large = parseSize(v);
          default -> {
            return false;
          }
        }
        return true;
      });
      switch (o.mode) {
        case "small", "seq" -> { }
        case "gen" -> {
          if (o.files < 0 || o.size < 1 && o.files > 0) {
            throw new IllegalArgumentException("gen needs --files N and --size SIZE");
          }
        }
        default -> throw new IllegalArgumentException("unknown mode " + o.mode + " (small, seq, gen)");
      }
      if (o.threads < 1 || o.epochs < 1 || o.block < 1 || o.seconds < 0) {
        throw new IllegalArgumentException("--threads, --epochs and --block must be >= 1, --seconds >= 0");
      }
      return o;
    }
  }
}
