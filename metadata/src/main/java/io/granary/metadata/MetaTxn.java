package io.granary.metadata;

/**
 * A write transaction: what it changes becomes visible all at once when the operation returns, or
 * not at all when it throws. Runs on the store's single writer thread.
 */
public interface MetaTxn extends MetaView {

  /** Allocates a fresh inode id; ids are never reused. */
  long newInodeId();

  /** Inserts or replaces an inode record. */
  void putInode(Inode inode);

  /** Removes an inode record (its directory entry is removed separately). */
  void deleteInode(long id);

  /** Adds or replaces the entry {@code name} in {@code parentId}. */
  void link(long parentId, String name, long childId);

  /** Removes the entry {@code name} from {@code parentId}; false if there was none. */
  boolean unlink(long parentId, String name);

  void putMount(MountEntry mount);

  boolean removeMount(String path);

  void putBlock(BlockRecord block);

  boolean removeBlock(long blockId);

  /** Removes every block record of a file. */
  void removeBlocksOf(long inodeId);

  void put(Table table, byte[] key, byte[] value);

  boolean delete(Table table, byte[] key);
}
