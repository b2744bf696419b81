package io.granary.engine;

import java.util.function.LongSupplier;

/**
 * Engine settings.
 *
 * @param blockSize      bytes per block of new and loaded files
 * @param ufsThreads     threads for cold block fetches from under-storages
 * @param listPageSize   entries per under-storage listing page when loading a directory
 * @param clock          milliseconds since the epoch; injected so tests can move time
 */
public record EngineOptions(long blockSize, int ufsThreads, int listPageSize, LongSupplier clock) {
  public static final long DEFAULT_BLOCK_SIZE = 64L << 20;

  public static EngineOptions defaults() {
    return new EngineOptions(DEFAULT_BLOCK_SIZE, 32, 1000, System::currentTimeMillis);
  }

  public EngineOptions withBlockSize(long size) {
    return new EngineOptions(size, ufsThreads, listPageSize, clock);
  }

  public EngineOptions withClock(LongSupplier newClock) {
    return new EngineOptions(blockSize, ufsThreads, listPageSize, newClock);
  }
}
