package io.granary.loadtest;

import static io.granary.loadtest.BenchSupport.result;
import static io.granary.loadtest.BenchSupport.sleepWatching;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The disk's ceiling for object puts, as the S3 benchmark's servers do them, with no server around
 * them: {@code --threads} threads each create a temp file in one directory, write a
 * {@code --size}-byte body, optionally sync its data ({@code fdatasync}), and rename it over one of
 * {@code --keys} names, for {@code --seconds} after {@code --warmup}. Temp-file creates take a
 * Java lock, as Granary's local under-storage does (it measured faster than letting the kernel's
 * directory-lock waiters spin). Prints {@code RESULT disk_puts_per_s N}. Run by
 * {@code load-tests/s3-bench.sh}, or by hand:
 *
 * <pre>
 * java -cp 'load-tests/target/classes:load-tests/target/lib/*' io.granary.loadtest.DiskPutCeiling \
 *   --dir /path/on/the/disk [--sync true] [--threads 32] [--keys 2000] [--size 102400] [--seconds 20] [--warmup 5]
 * </pre>
 */
public final class DiskPutCeiling {

  private DiskPutCeiling() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    boolean sync = true;
    int threads = 32;
    int keys = 2000;
    int size = 102_400;
    int seconds = 20;
    int warmup = 5;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--dir" -> dir = Path.of(v);
        case "--sync" -> sync = switch (v) {
          case "true" -> true;
          case "false" -> false;
          default -> {
            usage("--sync takes true or false, not " + v);
            yield true;
          }
        };
        case "--threads" -> threads = Integer.parseInt(v);
        case "--keys" -> keys = Integer.parseInt(v);
        case "--size" -> size = Integer.parseInt(v);
        case "--seconds" -> seconds = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        default -> usage("unknown option " + args[i]);
      }
    }
    if (dir == null || args.length % 2 != 0) {
      usage("--dir is required and every option takes a value");
    }
    if (threads < 1 || keys < 1 || size < 1 || seconds < 1 || warmup < 0) {
      usage("--threads, --keys, --size and --seconds must be at least 1, --warmup at least 0");
    }
    Files.createDirectories(dir);
    byte[] body = new byte[size];
    new Random(5).nextBytes(body);
    AtomicLong puts = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ReentrantLock createLock = new ReentrantLock();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Path d = dir;
      boolean s = sync;
      int k = keys;
      workers.add(Thread.ofPlatform().name("disk-put-" + t).start(() -> {
        ByteBuffer buf = ByteBuffer.wrap(body);
        try {
          for (long n = 0; !stop; n++) {
            Path temp = d.resolve(".tmp-" + id + "-" + n);
            FileChannel ch;
            createLock.lock();
            try {
              ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } finally {
              createLock.unlock();
            }
            try (ch) {
              buf.clear();
              while (buf.hasRemaining()) {
                ch.write(buf);
              }
              if (s) {
                ch.force(false);
              }
            }
            Files.move(temp, d.resolve(String.format("p-%06d", ThreadLocalRandom.current().nextInt(k))),
                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            puts.incrementAndGet();
          }
        } catch (Throwable e) { // any failure ends the run: a silent dead worker would lower the rate
          failure.compareAndSet(null, e);
          stop = true;
        }
      }));
    }
    long p0 = 0;
    long p1 = 0;
    long t0 = 0;
    long t1 = 0;
    try { // a failing worker ends the warm-up or the window at once
      sleepWatching(warmup, failure);
      p0 = puts.get();
      t0 = System.nanoTime();
      sleepWatching(seconds, failure);
      p1 = puts.get();
      t1 = System.nanoTime();
    } catch (IOException e) {
      // reported below, once the workers have stopped
    }
    stop = true;
    for (Thread w : workers) {
      w.join();
    }
    if (failure.get() != null) {
      System.err.println("DiskPutCeiling: FAILED: " + failure.get());
      System.exit(1);
    }
    double rate = (p1 - p0) / ((t1 - t0) / 1e9);
    System.err.printf("[disk-put-ceiling] %s: %.0f puts/s (%d threads, %d-byte bodies, sync %s, %d names)%n",
        dir, rate, threads, size, sync, keys);
    result("disk_puts_per_s", rate);
  }

  private static volatile boolean stop;

  private static void usage(String why) {
    System.err.println("DiskPutCeiling: " + why + "\nusage: DiskPutCeiling --dir DIR [--sync true|false] [--threads N] "
        + "[--keys N] [--size BYTES] [--seconds N] [--warmup N]");
    System.exit(2);
  }
}
