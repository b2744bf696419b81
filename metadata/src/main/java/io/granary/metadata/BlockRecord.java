package io.granary.metadata;

/**
 * Where a cached block lives.
 *
 * @param blockId      the block ({@link BlockIds})
 * @param tier         ordinal of the tier holding the block file (0 = fastest)
 * @param length       bytes in the block file
 * @param lastAccessMs last read or write, epoch milliseconds
 * @param pinned       exempt from eviction because the user pinned it
 * @param unpersisted  exempt from eviction because the under-storage does not hold the data
 */
public record BlockRecord(long blockId, int tier, long length, long lastAccessMs, boolean pinned,
    boolean unpersisted) {

  /** Whether eviction may drop or demote this block. */
  public boolean evictable() {
    return !pinned && !unpersisted;
  }

  public BlockRecord inTier(int newTier) {
    return new BlockRecord(blockId, newTier, length, lastAccessMs, pinned, unpersisted);
  }

  public BlockRecord withPinned(boolean newPinned) {
    return new BlockRecord(blockId, tier, length, lastAccessMs, newPinned, unpersisted);
  }

  public BlockRecord withUnpersisted(boolean newUnpersisted) {
    return new BlockRecord(blockId, tier, length, lastAccessMs, pinned, newUnpersisted);
  }

  public BlockRecord accessedAt(long ms) {
    return new BlockRecord(blockId, tier, length, ms, pinned, unpersisted);
  }
}
