package io.granary.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training workload that makes LRU thrash: a data set 1.5 times the cache, read in a new
 * shuffled order every epoch. The scan-resistant policy must keep at least 90% of the ideal hit
 * ratio (cache size / data set size) from the second epoch on.
 */
class EvictionPolicyTest {
  private static final int BLOCK = 64 * 1024;
  private static final int CACHED_BLOCKS = 100;
  private static final int FILES = 150;

  @TempDir Path dir;

  /** Hit ratio of each of {@code epochs} shuffled passes over the data set. */
  static List<Double> epochs(EngineFixture fx, int files, int epochs, long seed) throws IOException {
    GranaryEngine e = fx.engine;
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      order.add(i);
    }
    Random rnd = new Random(seed);
    List<Double> ratios = new ArrayList<>();
    for (int epoch = 0; epoch < epochs; epoch++) {
      Collections.shuffle(order, rnd);
      long hits = e.metrics().blockHits();
      long misses = e.metrics().blockMisses();
      for (int i : order) {
        try (InputStream in = e.read("/ds/f" + i, 0, -1, null)) {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
      }
      long h = e.metrics().blockHits() - hits;
      long m = e.metrics().blockMisses() - misses;
      ratios.add((double) h / (h + m));
    }
    return ratios;
  }

  static EngineFixture dataset(Path dir, String policy, int files) throws IOException {
    EngineFixture fx = new EngineFixture(dir, BLOCK, Map.of(), (long) CACHED_BLOCKS * BLOCK);
    fx.policy = policy;
    Path ds = Files.createDirectories(fx.ufsDir.resolve("ds"));
    byte[] data = new byte[BLOCK];
    for (int i = 0; i < files; i++) {
      new Random(i).nextBytes(data);
      Files.write(ds.resolve("f" + i), data);
    }
    return fx.open();
  }

  @Test
  void scanResistantPolicyHoldsTheIdealHitRatioWhereLruThrashes() throws IOException {
    double ideal = (double) CACHED_BLOCKS / FILES;
    List<Double> lru;
    try (EngineFixture fx = dataset(dir.resolve("lru"), "LRU", FILES)) {
      lru = epochs(fx, FILES, 5, 42);
    }
    List<Double> tiny;
    try (EngineFixture fx = dataset(dir.resolve("tinylfu"), "TINYLFU", FILES)) {
      tiny = epochs(fx, FILES, 5, 42);
    }
    for (int epoch = 1; epoch < 5; epoch++) {
      assertTrue(tiny.get(epoch) >= 0.9 * ideal, "TINYLFU epoch " + (epoch + 1) + ": " + tiny + " ideal " + ideal);
      assertTrue(tiny.get(epoch) > lru.get(epoch), "epoch " + (epoch + 1) + " TINYLFU " + tiny + " LRU " + lru);
    }
  }
}
