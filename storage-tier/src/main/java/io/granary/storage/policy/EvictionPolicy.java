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

  /** The policy's name, as configured. */
  String name();
}
