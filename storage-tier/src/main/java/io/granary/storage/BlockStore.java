package io.granary.storage;

import io.granary.metadata.BlockRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Cached blocks in ordered tiers. A block is a plain file in one tier's directory; its record
 * (tier, length, last access, pin) is in the metadata store's block index, so the two are
 * reconciled when the store opens.
 */
public interface BlockStore extends AutoCloseable {

  /** The tiers, fastest first. */
  List<TierUsage> usage();

  /** Where a committed block is, if it is cached. */
  Optional<BlockLocation> locate(long blockId);

  /** The file of a finished block, indexed or not yet. */
  java.nio.file.Path pathOf(BlockRecord record);

  /** Records a read of the block for the eviction policy. */
  void touch(BlockLocation block);

  /**
   * Starts writing a block into tier {@code tier} (or the next tier with room).
   *
   * @param expectedLength bytes to reserve up front (the block's size if known, else 0)
   */
  TempBlock create(long blockId, int tier, long expectedLength);

  /**
   * Like {@link #create} for a block fetched because a read missed it: the eviction policy may
   * refuse to evict for it ({@link io.granary.error.OutOfSpaceException}), so the read goes
   * through instead of pushing out blocks that are worth more.
   */
  TempBlock createForRead(long blockId, int tier, long expectedLength);

  /** Finishes a block and indexes it in its own metadata transaction. */
  BlockRecord commit(TempBlock block, boolean pinned, boolean unpersisted);

  /**
   * Gives a committed block a second name, {@code newBlockId}, in the same tier (a hard link: no
   * bytes are copied). Like a finished block, the returned record must be indexed by the caller and
   * reported with {@link #committed} (or undone with {@link #discardFinished}); the old record is
   * then removed by the caller and reported with {@link #removed}.
   */
  BlockRecord link(BlockRecord source, long newBlockId, boolean unpersisted);

  /** Tells the store that finished blocks were indexed by the caller's transaction. */
  void committed(Collection<BlockRecord> records);

  /** Deletes finished blocks whose metadata transaction failed. */
  void discardFinished(Collection<BlockRecord> records);

  /**
   * Deletes the files of blocks whose records the caller already removed in its own
   * transaction (a file was deleted or replaced).
   */
  void removed(Collection<BlockRecord> records);

  /** Drops all cached blocks of a file: records and files. Returns bytes freed. */
  long free(long inodeId);

  /** Moves a block to a faster tier; false if it is already there, not cached, or there is no room. */
  boolean promote(long blockId, int toTier);

  /** Moves a block to a slower tier; false if not possible. */
  boolean demote(long blockId, int toTier);

  /** Sets the pin and unpersisted flags of every cached block of a file. */
  void setFlags(long inodeId, boolean pinned, boolean unpersisted);

  /** Number of tiers. */
  int tierCount();

  @Override
  void close();
}
