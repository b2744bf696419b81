package io.granary.engine;

import io.granary.error.GranaryException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Loads a file or a tree into the cache: files are read with {@link ReadType#CACHE} by a bounded
 * number of threads, files already cached are skipped, and a file that fails is reported without
 * stopping the rest. Memory stays bounded: the tree is walked page by page and at most
 * {@code parallelism} files are in flight.
 */
public final class DatasetLoader {
  /** Progress after each file. */
  public record Progress(long filesDone, long filesTotal, long bytesDone, long bytesTotal, long filesSkipped,
      long filesFailed, String current, String error, boolean done) {}

  private static final int PAGE = 1000;

  private final GranaryEngine engine;

  public DatasetLoader(GranaryEngine engine) {
    this.engine = engine;
  }

  /**
   * Loads {@code path} (recursively if asked) and calls {@code progress} after every file and once
   * at the end ({@code done}). {@code cancelled} is polled between files.
   */
  public Progress load(String path, boolean recursive, int parallelism, Consumer<Progress> progress,
      AtomicBoolean cancelled) {
    FileInfo root = engine.stat(path);
    AtomicLong filesDone = new AtomicLong();
    AtomicLong filesTotal = new AtomicLong();
    AtomicLong bytesDone = new AtomicLong();
    AtomicLong bytesTotal = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    int threads = Math.max(1, Math.min(parallelism, 64));
    ExecutorService pool = Executors.newFixedThreadPool(threads,
        r -> Thread.ofPlatform().name("granary-load").daemon(true).unstarted(r));
    Semaphore slots = new Semaphore(threads);
    Object report = new Object();
    try {
      if (root.isDirectory()) {
        walk(root.path(), recursive, filesTotal, bytesTotal, f -> submit(f, pool, slots, cancelled, progress, report,
            filesDone, filesTotal, bytesDone, bytesTotal, skipped, failed));
      } else {
        filesTotal.incrementAndGet();
        bytesTotal.addAndGet(root.length());
        submit(root, pool, slots, cancelled, progress, report, filesDone, filesTotal, bytesDone, bytesTotal, skipped, failed);
      }
      slots.acquireUninterruptibly(threads); // every file finished
    } finally {
      pool.shutdownNow();
    }
    Progress last = new Progress(filesDone.get(), filesTotal.get(), bytesDone.get(), bytesTotal.get(), skipped.get(),
        failed.get(), "", cancelled.get() ? "cancelled" : "", true);
    progress.accept(last);
    return last;
  }

  private void walk(String dir, boolean recursive, AtomicLong filesTotal, AtomicLong bytesTotal,
      Consumer<FileInfo> onFile) {
    String after = "";
    while (true) {
      List<FileInfo> page = engine.list(dir, after, PAGE);
      for (FileInfo f : page) {
        if (f.isDirectory()) {
          if (recursive) {
            walk(f.path(), true, filesTotal, bytesTotal, onFile);
          }
        } else {
          filesTotal.incrementAndGet();
          bytesTotal.addAndGet(f.length());
          onFile.accept(f);
        }
      }
      if (page.size() < PAGE) {
        return;
      }
      after = page.get(page.size() - 1).name();
    }
  }

  private void submit(FileInfo f, ExecutorService pool, Semaphore slots, AtomicBoolean cancelled,
      Consumer<Progress> progress, Object report, AtomicLong filesDone, AtomicLong filesTotal, AtomicLong bytesDone,
      AtomicLong bytesTotal, AtomicLong skipped, AtomicLong failed) {
    if (cancelled.get()) {
      return;
    }
    slots.acquireUninterruptibly();
    pool.execute(() -> {
      String error = "";
      try {
        if (engine.cachedBytes(f) >= f.length()) {
          skipped.incrementAndGet();
        } else {
          try (InputStream in = engine.read(f.path(), 0, -1, ReadType.CACHE)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
          }
        }
        bytesDone.addAndGet(f.length());
      } catch (IOException | GranaryException e) {
        failed.incrementAndGet();
        error = e.getMessage();
      } finally {
        filesDone.incrementAndGet();
        synchronized (report) {
          progress.accept(new Progress(filesDone.get(), filesTotal.get(), bytesDone.get(), bytesTotal.get(),
              skipped.get(), failed.get(), f.path(), error, false));
        }
        slots.release();
      }
    });
  }
}
