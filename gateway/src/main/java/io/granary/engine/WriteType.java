package io.granary.engine;

import io.granary.error.InvalidArgumentException;
import java.util.Locale;

/** Where a write goes. */
public enum WriteType {
  /** Only into the cache; the under-storage never sees it, and its blocks are never evicted. */
  MUST_CACHE,
  /** Into the cache and the under-storage before the write returns. */
  CACHE_THROUGH,
  /** Only into the under-storage. */
  THROUGH,
  /**
   * Into the cache before the write returns, then into the under-storage in the background from a
   * durable queue; its blocks are never evicted until persisted.
   */
  ASYNC_THROUGH;

  /** Whether the write returns before the under-storage has the data. */
  boolean cacheFirst() {
    return this == MUST_CACHE || this == ASYNC_THROUGH;
  }

  /** Parses a configured or requested name, case-insensitively. */
  public static WriteType parse(String s) {
    String name = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException("unknown write type '" + s + "' (MUST_CACHE, CACHE_THROUGH, THROUGH, ASYNC_THROUGH)");
    }
  }
}
