package io.granary.storage.policy;

import java.util.List;

/**
 * LRU order with admission by frequency, in the style of TinyLFU: a block fetched for a read
 * replaces a victim only if it has been asked for more often. Frequencies live in a small
 * count-min sketch that halves itself periodically, so old popularity fades. When every block is
 * read once per epoch in a new order (a training data set larger than the cache), no newcomer is
 * more frequent than what is cached, so the cache keeps its contents instead of churning: the hit
 * ratio stays at cache size / data set size, where LRU falls far below it.
 */
public final class TinyLfuPolicy implements EvictionPolicy {
  private final LruPolicy order;
  private final FrequencySketch sketch = new FrequencySketch(1 << 16);

  public TinyLfuPolicy(int tierCount) {
    this.order = new LruPolicy(tierCount);
  }

  @Override
  public void added(long blockId, int tier, long lastAccessMs) {
    order.added(blockId, tier, lastAccessMs);
  }

  @Override
  public void accessed(long blockId, int tier) {
    sketch.increment(blockId);
    order.accessed(blockId, tier);
  }

  @Override
  public void removed(long blockId, int tier) {
    order.removed(blockId, tier);
  }

  @Override
  public List<Long> victims(int tier, int max) {
    return order.victims(tier, max);
  }

  @Override
  public void missed(long blockId) {
    sketch.increment(blockId);
  }

  /**
   * The newcomer must beat the victim by more than one request. TinyLFU's doorkeeper has the same
   * effect: a block's first request is not counted. In a shuffled epoch a cached block not yet read
   * this epoch is exactly one request behind an uncached one, so without it the cache would churn.
   */
  @Override
  public boolean admit(long candidate, long victim) {
    return sketch.frequency(candidate) > sketch.frequency(victim) + 1;
  }

  @Override
  public boolean evictsAhead() {
    return false;
  }

  @Override
  public String name() {
    return "TINYLFU";
  }

  /** A 4-row count-min sketch of 8-bit counters with periodic halving (aging). */
  static final class FrequencySketch {
    private final byte[][] rows = new byte[4][];
    private final int mask;
    private final int sampleSize;
    private int additions;

    FrequencySketch(int width) {
      int w = Integer.highestOneBit(Math.max(16, width));
      for (int i = 0; i < rows.length; i++) {
        rows[i] = new byte[w];
      }
      this.mask = w - 1;
      this.sampleSize = 10 * w;
    }

    private int index(long key, int row) {
      long h = key * 0x9E3779B97F4A7C15L + row * 0xC2B2AE3D27D4EB4FL;
      h ^= h >>> 31;
      h *= 0xBF58476D1CE4E5B9L;
      h ^= h >>> 29;
      return (int) h & mask;
    }

    synchronized void increment(long key) {
      for (int r = 0; r < rows.length; r++) {
        int i = index(key, r);
        if (rows[r][i] != Byte.MAX_VALUE) {
          rows[r][i]++;
        }
      }
      if (++additions >= sampleSize) {
        additions = 0;
        for (byte[] row : rows) {
          for (int i = 0; i < row.length; i++) {
            row[i] = (byte) (row[i] >> 1);
          }
        }
      }
    }

    synchronized int frequency(long key) {
      int min = Integer.MAX_VALUE;
      for (int r = 0; r < rows.length; r++) {
        min = Math.min(min, rows[r][index(key, r)]);
      }
      return min;
    }
  }
}
