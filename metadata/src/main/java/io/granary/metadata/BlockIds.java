package io.granary.metadata;

/**
 * Block ids are derived from the file: the inode id in the high 44 bits, the block index in the
 * low 20. A file's blocks are therefore one contiguous key range in the block index, and a new
 * version of a file (a new inode) never shares a block id with the old one.
 */
public final class BlockIds {
  /** Bits for the block index: up to 1,048,576 blocks a file. */
  public static final int INDEX_BITS = 20;
  public static final int MAX_BLOCKS_PER_FILE = 1 << INDEX_BITS;

  private BlockIds() {}

  public static long of(long inodeId, int index) {
    if (index < 0 || index >= MAX_BLOCKS_PER_FILE) {
      throw new IllegalArgumentException("block index out of range: " + index);
    }
    return (inodeId << INDEX_BITS) | index;
  }

  public static long inodeOf(long blockId) {
    return blockId >>> INDEX_BITS;
  }

  public static int indexOf(long blockId) {
    return (int) (blockId & (MAX_BLOCKS_PER_FILE - 1));
  }

  /** The first block id of the file (inclusive). */
  public static long first(long inodeId) {
    return inodeId << INDEX_BITS;
  }

  /** One past the last block id of the file (exclusive). */
  public static long end(long inodeId) {
    return (inodeId + 1) << INDEX_BITS;
  }

  public static String toString(long blockId) {
    return Long.toHexString(blockId);
  }
}
