package io.granary.engine;

import io.granary.error.InvalidArgumentException;
import java.util.Locale;

/** How a read uses the cache. */
public enum ReadType {
  /** Read from the cache if the block is there, else straight from the under-storage without caching. */
  NO_CACHE,
  /** Serve from any tier; cache missed blocks in the top tier. */
  CACHE,
  /** Like CACHE, and move blocks found in a lower tier up to the top tier. */
  CACHE_PROMOTE;

  /** Parses a configured or requested name, case-insensitively. */
  public static ReadType parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException("unknown read type '" + s + "' (NO_CACHE, CACHE, CACHE_PROMOTE)");
    }
  }
}
