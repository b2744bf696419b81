package io.granary.storage.policy;

import java.util.List;

/**
 * Decides which blocks leave a tier first. The mechanism (moving and deleting files, accounting)
 * is the block store's; a policy only keeps an order. Implementations are thread-safe.
 */
public interface EvictionPolicy {

  /** A block entered {@code tier} (written, promoted, demoted or found at startup). */
  void added(long blockId, int tier, long lastAccessMs);

  /** A block was read. */
  void accessed(long blockId, int tier);

  /** A block left {@code tier}. */
  void removed(long blockId, int tier);

  /** Up to {@code max} blocks of {@code tier}, the first to evict first. */
  List<Long> victims(int tier, int max);

  /**
   * A block not in the cache was asked for (a miss); frequency-aware policies count it.
   */
  default void missed(long blockId) {}

  /**
   * Whether a block fetched for a read may take the place of {@code victim}. Writes are always
   * admitted; a policy that answers false keeps what is cached and the read goes through to the
   * under-storage instead (scan resistance).
   */
  default boolean admit(long candidate, long victim) {
    return true;
  }

  /**
   * Whether the store may evict ahead of need, down to a tier's low watermark. An admission
   * policy says no: blocks leave only when a more valuable one takes their place.
   */
  default boolean evictsAhead() {
    return true;
  }

  /** The policy's name, as configured. */
  String name();
}
