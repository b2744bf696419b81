package io.granary.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The client's cache of answers about paths (status, open-file block lists): bounded, each entry
 * valid for a TTL, and dropped when this client changes the path or anything above it, so
 * repeated stats and opens of a training set cost no RPC.
 */
final class MetadataCache<V> {
  private record Cached<T>(T value, long expiresMs) {}

  private final int maxEntries;
  private final long ttlMs;
  private final LongSupplier clock;
  private final LinkedHashMap<String, Cached<V>> map;

  MetadataCache(int maxEntries, long ttlMs, LongSupplier clock) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.map = new LinkedHashMap<String, Cached<V>>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached<V>> eldest) {
        return size() > MetadataCache.this.maxEntries;
      }
    };
  }

  synchronized V get(String path) {
    Cached<V> e = map.get(path);
    if (e == null) {
      return null;
    }
    if (clock.getAsLong() >= e.expiresMs()) {
      map.remove(path);
      return null;
    }
    return e.value();
  }

  synchronized void put(String path, V value) {
    if (ttlMs > 0 && maxEntries > 0) {
      map.put(path, new Cached<>(value, clock.getAsLong() + ttlMs));
    }
  }

  /** Drops a path and everything below it. */
  synchronized void invalidate(String path) {
    String prefix = path.endsWith("/") ? path : path + "/";
    map.keySet().removeIf(k -> k.equals(path) || k.startsWith(prefix));
  }

  synchronized int size() {
    return map.size();
  }
}
