package io.granary.cli;

import io.granary.engine.EngineOptions;
import io.granary.engine.GranaryEngine;
import io.granary.metadata.lmdb.LmdbMetadataStore;
import io.granary.storage.TierSpec;
import io.granary.storage.policy.EvictionPolicies;
import io.granary.storage.tiered.TieredBlockStore;
import io.granary.storage.ufs.UnderStorages;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The workload that makes LRU thrash: a data set larger than the cache read in a new shuffled order
 * each epoch, through a real engine (LMDB, a tier directory, a local under-storage). Prints the hit
 * ratio of every epoch for each policy next to the ideal (cache size / data set size).
 */
@Command(name = "eviction", mixinStandardHelpOptions = true,
    description = "Hit ratios per eviction policy for shuffled epochs over a data set larger than the cache.")
final class EvictionBench implements Callable<Integer> {
  @Option(names = "--cache-blocks", defaultValue = "1000", description = "Cache size in blocks (default ${DEFAULT-VALUE}).")
  int cacheBlocks;

  @Option(names = "--ratio", defaultValue = "1.5", description = "Data set size / cache size (default ${DEFAULT-VALUE}).")
  double ratio;

  @Option(names = "--block-kib", defaultValue = "64", description = "File (and block) size in KiB (default ${DEFAULT-VALUE}).")
  int blockKib;

  @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--policies", defaultValue = "LRU,LRFU,TINYLFU", split = ",", description = "Policies to compare.")
  List<String> policies;

  @Override
  public Integer call() throws Exception {
    int files = (int) Math.round(cacheBlocks * ratio);
    int block = blockKib * 1024;
    Path base = Files.createTempDirectory("granary-bench-eviction");
    try {
      Path ufs = Files.createDirectories(base.resolve("ufs/ds"));
      byte[] data = new byte[block];
      for (int i = 0; i < files; i++) {
        new Random(i).nextBytes(data);
        Files.write(ufs.resolve("f" + i), data);
      }
      double ideal = Math.min(1.0, (double) cacheBlocks / files);
      System.out.printf(Locale.ROOT, "%n| policy | %s | ideal |%n|---|%s---|%n",
          String.join(" | ", java.util.stream.IntStream.rangeClosed(1, epochs).mapToObj(e -> "epoch " + e).toList()),
          "---|".repeat(epochs));
      for (String policy : policies) {
        List<Double> ratios = run(base.resolve(policy), base.resolve("ufs"), policy, files, block);
        StringBuilder row = new StringBuilder("| " + policy + " |");
        for (double r : ratios) {
          row.append(String.format(Locale.ROOT, " %.3f (%.0f%%) |", r, 100 * r / ideal));
        }
        System.out.println(row.append(String.format(Locale.ROOT, " %.3f |", ideal)));
      }
      System.out.printf(Locale.ROOT, "%n%d files of %d KiB, cache %d blocks (%.1fx), %d epochs, one reader%n",
          files, blockKib, cacheBlocks, ratio, epochs);
    } finally {
      try (Stream<Path> s = Files.walk(base)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    return 0;
  }

  private List<Double> run(Path dir, Path ufs, String policy, int files, int block) throws Exception {
    List<TierSpec> tiers = List.of(new TierSpec("MEM", dir.resolve("tier"), (long) cacheBlocks * block));
    try (LmdbMetadataStore meta = LmdbMetadataStore.open(dir.resolve("meta"));
         TieredBlockStore blocks = TieredBlockStore.open(tiers, meta, EvictionPolicies.create(policy, 1), System::currentTimeMillis);
         GranaryEngine engine = new GranaryEngine(meta, blocks, EngineOptions.defaults().withBlockSize(block), UnderStorages::create)) {
      engine.start("file://" + ufs, Map.of());
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < files; i++) {
        order.add(i);
      }
      Random rnd = new Random(7);
      List<Double> out = new ArrayList<>();
      for (int e = 0; e < epochs; e++) {
        Collections.shuffle(order, rnd);
        long h0 = engine.metrics().blockHits();
        long m0 = engine.metrics().blockMisses();
        for (int i : order) {
          try (InputStream in = engine.read("/ds/f" + i, 0, -1, null)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
          }
        }
        long h = engine.metrics().blockHits() - h0;
        long m = engine.metrics().blockMisses() - m0;
        out.add((double) h / (h + m));
      }
      return out;
    }
  }
}
