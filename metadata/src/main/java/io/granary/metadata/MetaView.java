package io.granary.metadata;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * A consistent, read-only view of the metadata: everything read through one view comes from the
 * same snapshot. Views live only inside {@link MetadataStore#read} or {@link MetadataStore#write};
 * everything they return is a copy that outlives them.
 */
public interface MetaView {

  /** The inode with this id. */
  Optional<Inode> inode(long id);

  /** The id of {@code name} in directory {@code parentId}. */
  OptionalLong lookup(long parentId, String name);

  /** The inode of {@code name} in directory {@code parentId}. */
  default Optional<Inode> child(long parentId, String name) {
    OptionalLong id = lookup(parentId, name);
    return id.isPresent() ? inode(id.getAsLong()) : Optional.empty();
  }

  /**
   * Up to {@code limit} entries of a directory in UTF-8 byte order of their names, starting after
   * {@code startAfter} ("" or null: from the first). One cursor range scan.
   */
  List<DirEntry> list(long parentId, String startAfter, int limit);

  /**
   * Visits the entries of a directory in name order, starting after {@code startAfter}, until the
   * visitor returns false. Nothing is collected, so a directory of any size costs constant heap.
   */
  void scan(long parentId, String startAfter, Predicate<DirEntry> visitor);

  /** Whether the directory has any entry. */
  boolean hasChildren(long parentId);

  /** The mount table, ordered by path. */
  List<MountEntry> mounts();

  /** The cached block with this id. */
  Optional<BlockRecord> block(long blockId);

  /** The cached blocks of one file, in block order. */
  List<BlockRecord> blocksOf(long inodeId);

  /** Visits every block record until the visitor returns false. */
  void scanBlocks(Predicate<BlockRecord> visitor);

  /** A value from a keyed table (multipart uploads, the persist queue, ...). */
  Optional<byte[]> get(Table table, byte[] key);

  /** Visits the entries of a table whose key starts with {@code prefix}, in key order. */
  void scan(Table table, byte[] prefix, Predicate<Entry> visitor);

  /** A key and value of a {@link Table}. */
  record Entry(byte[] key, byte[] value) {}
}
