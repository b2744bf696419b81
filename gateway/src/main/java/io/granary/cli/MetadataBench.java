package io.granary.cli;

import io.granary.metadata.DirEntry;
import io.granary.metadata.Inode;
import io.granary.metadata.lmdb.LmdbMetadataStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Loads a namespace of N files into a fresh LMDB store and reports heap before and after, insert
 * rate, path lookups per second, the time to list a 100,000-entry directory, and bytes per file
 * on disk. Heap staying flat is the point: the namespace lives off the heap.
 */
@Command(name = "metadata", mixinStandardHelpOptions = true,
    description = "Metadata store scale benchmark: heap, lookups/s, big-directory listing, bytes per file.")
final class MetadataBench implements Callable<Integer> {
  @Option(names = "--files", defaultValue = "1000000", description = "Files to create (default ${DEFAULT-VALUE}).")
  int files;

  @Option(names = "--big-dir", defaultValue = "100000", description = "Entries of the one big directory (default ${DEFAULT-VALUE}).")
  int bigDir;

  @Option(names = "--dir-size", defaultValue = "1000", description = "Files per ordinary directory (default ${DEFAULT-VALUE}).")
  int dirSize;

  @Option(names = "--seconds", defaultValue = "5", description = "Duration of each lookup run (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--threads", defaultValue = "2", description = "Lookup threads for the parallel run (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--dir", description = "Store directory (default: a fresh temp directory, deleted afterwards).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    boolean temp = dir == null;
    Path storeDir = temp ? Files.createTempDirectory("granary-bench-meta") : dir;
    try {
      run(storeDir);
    } finally {
      if (temp) {
        deleteTree(storeDir);
      }
    }
    return 0;
  }

  private void run(Path storeDir) throws Exception {
    long heapBefore = settledHeap();
    int dirs;
    long t0;
    long loadNanos;
    List<Long> dirIds = new ArrayList<>();
    try (LmdbMetadataStore store = LmdbMetadataStore.open(storeDir)) {
      t0 = System.nanoTime();
      long big = mkdir(store, Inode.ROOT_ID, "big");
      insertFiles(store, big, bigDir, 0);
      int remaining = Math.max(0, files - bigDir);
      dirs = (remaining + dirSize - 1) / dirSize;
      long parent = mkdir(store, Inode.ROOT_ID, "data");
      for (int d = 0; d < dirs; d++) {
        long id = mkdir(store, parent, String.format("d%05d", d));
        dirIds.add(id);
        insertFiles(store, id, Math.min(dirSize, remaining - d * dirSize), 0);
        if (d % 100 == 0) {
          System.err.printf(Locale.ROOT, "\rloading: %,d of %,d files", (long) bigDir + (long) d * dirSize, (long) files);
        }
      }
      loadNanos = System.nanoTime() - t0;
      System.err.printf(Locale.ROOT, "\rloaded %,d files in %.1f s%n", (long) files, loadNanos / 1e9);
      store.sync();

      long heapAfter = settledHeap();
      var stats = store.stats();

      double single = lookups(store, dirs, 1);
      double parallel = lookups(store, dirs, threads);

      // listing the big directory: one cursor scan, and page by page as a front door does
      long s0 = System.nanoTime();
      long[] count = {0};
      store.read(v -> {
        v.scan(big, "", e -> {
          count[0]++;
          return true;
        });
        return null;
      });
      double scanMs = (System.nanoTime() - s0) / 1e6;
      long p0 = System.nanoTime();
      long paged = 0;
      String after = "";
      while (true) {
        String from = after;
        List<DirEntry> page = store.read(v -> v.list(big, from, 1000));
        paged += page.size();
        if (page.size() < 1000) {
          break;
        }
        after = page.get(page.size() - 1).name();
      }
      double pagedMs = (System.nanoTime() - p0) / 1e6;
      long withInodes0 = System.nanoTime();
      long[] inodes = {0};
      store.read(v -> {
        v.scan(big, "", e -> {
          v.inode(e.childId()).ifPresent(n -> inodes[0]++);
          return true;
        });
        return null;
      });
      double withInodesMs = (System.nanoTime() - withInodes0) / 1e6;

      long onDisk = Files.size(storeDir.resolve("data.mdb"));
      System.out.println();
      System.out.println("| metric | value |");
      System.out.println("|---|---|");
      row("files (inodes)", String.format(Locale.ROOT, "%,d (%,d)", (long) files, stats.inodes()));
      row("load rate", String.format(Locale.ROOT, "%,.0f files/s (batches of %d in one transaction)", files / (loadNanos / 1e9), 1000));
      row("heap used before load", mib(heapBefore));
      row("heap used after load", mib(heapAfter) + String.format(Locale.ROOT, " (%+.1f MiB)", (heapAfter - heapBefore) / 1048576.0));
      row("path lookups, 1 thread", String.format(Locale.ROOT, "%,.0f /s (3-component paths, one read txn each)", single));
      row("path lookups, " + threads + " threads", String.format(Locale.ROOT, "%,.0f /s", parallel));
      row("list " + count[0] + "-entry directory (one cursor scan)", String.format(Locale.ROOT, "%.1f ms", scanMs));
      row("list it in pages of 1000", String.format(Locale.ROOT, "%.1f ms (%,d entries)", pagedMs, paged));
      row("list it with every inode read", String.format(Locale.ROOT, "%.1f ms (%,d inodes)", withInodesMs, inodes[0]));
      row("bytes per file (pages in use)", String.format(Locale.ROOT, "%.0f B", (double) stats.usedBytes() / stats.inodes()));
      row("data.mdb size on disk", mib(onDisk) + String.format(Locale.ROOT, " (map %s)", mib(stats.mapSize())));
      row("JVM", System.getProperty("java.vm.name") + " " + Runtime.version() + ", -Xmx " + mib(Runtime.getRuntime().maxMemory()));
    }
  }

  private static void row(String k, String v) {
    System.out.println("| " + k + " | " + v + " |");
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static long mkdir(LmdbMetadataStore store, long parent, String name) {
    return store.write(txn -> {
      OptionalLong existing = txn.lookup(parent, name);
      if (existing.isPresent()) {
        return existing.getAsLong();
      }
      long id = txn.newInodeId();
      txn.putInode(Inode.directory(id, parent, name, 0, 0755));
      txn.link(parent, name, id);
      return id;
    });
  }

  private static void insertFiles(LmdbMetadataStore store, long parent, int n, long mtime) {
    for (int start = 0; start < n; start += 1000) {
      int from = start;
      int to = Math.min(n, start + 1000);
      store.write(txn -> {
        for (int i = from; i < to; i++) {
          String name = String.format("img_%08d.jpg", i);
          long id = txn.newInodeId();
          txn.putInode(Inode.file(id, parent, name, 100 * 1024, mtime, 64L << 20, true)
              .withContent(100 * 1024, mtime, "d41d8cd98f00b204e9800998ecf8427e|102400|" + mtime));
          txn.link(parent, name, id);
        }
        return null;
      });
    }
  }

  private double lookups(LmdbMetadataStore store, int dirs, int nThreads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(nThreads);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<Future<Long>> results = new ArrayList<>();
    for (int t = 0; t < nThreads; t++) {
      int seed = t;
      results.add(pool.submit(() -> {
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = 0;
        while ((n & 255) != 0 || System.nanoTime() < deadline) {
          String d = String.format("d%05d", rnd.nextInt(Math.max(dirs, 1)));
          String f = String.format("img_%08d.jpg", rnd.nextInt(dirSize));
          Inode found = store.read(v -> {
            OptionalLong data = v.lookup(Inode.ROOT_ID, "data");
            OptionalLong dir = data.isPresent() ? v.lookup(data.getAsLong(), d) : OptionalLong.empty();
            return dir.isPresent() ? v.child(dir.getAsLong(), f).orElse(null) : null;
          });
          if (found == null && dirs > 0) {
            throw new IllegalStateException("lookup missed " + d + "/" + f);
          }
          n++;
        }
        return n;
      }));
    }
    long total = 0;
    for (Future<Long> f : results) {
      total += f.get();
    }
    pool.shutdown();
    return total / (double) seconds;
  }

  private static long settledHeap() {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return mem.getHeapMemoryUsage().getUsed();
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
