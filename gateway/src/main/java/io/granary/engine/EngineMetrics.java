package io.granary.engine;

import java.util.concurrent.atomic.LongAdder;

/** Counters the engine keeps for /metrics and reports. */
public final class EngineMetrics {
  final LongAdder blockHits = new LongAdder();
  final LongAdder blockMisses = new LongAdder();
  final LongAdder bytesFromCache = new LongAdder();
  final LongAdder coldFetches = new LongAdder();
  final LongAdder coldFetchJoins = new LongAdder();
  final LongAdder ufsMetadataLoads = new LongAdder();

  /** Block reads served from a cached block file. */
  public long blockHits() {
    return blockHits.sum();
  }

  /** Block reads that found the block not cached. */
  public long blockMisses() {
    return blockMisses.sum();
  }

  public long bytesFromCache() {
    return bytesFromCache.sum();
  }

  /** Under-storage fetches started to fill the cache. */
  public long coldFetches() {
    return coldFetches.sum();
  }

  /** Readers that joined a fetch another reader had started (single flight). */
  public long coldFetchJoins() {
    return coldFetchJoins.sum();
  }

  /** Inodes created or refreshed from under-storage metadata. */
  public long ufsMetadataLoads() {
    return ufsMetadataLoads.sum();
  }
}
