package io.granary.storage.policy;

import java.util.Locale;

/** Eviction policies by their configured name. */
public final class EvictionPolicies {
  private EvictionPolicies() {}

  public static EvictionPolicy create(String name, int tierCount) {
    return switch (name.trim().toUpperCase(Locale.ROOT)) {
      case "LRU" -> new LruPolicy(tierCount);
      case "LRFU" -> new LrfuPolicy(tierCount);
      case "TINYLFU", "SCAN_RESISTANT" -> new TinyLfuPolicy(tierCount);
      default -> throw new IllegalArgumentException("unknown eviction policy '" + name + "' (LRU, LRFU, TINYLFU)");
    };
  }
}
