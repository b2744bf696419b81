package io.granary.metadata;

/**
 * The namespace, mount table and block index of one gateway, kept off the heap (in LMDB) so that
 * the number of files costs no garbage collection.
 *
 * <p>Reads run on the caller's thread in a short read transaction. Writes are queued to one writer
 * thread, which batches concurrent operations into one commit; each operation still succeeds or
 * fails on its own. The store grows its map when it fills instead of failing.
 */
public interface MetadataStore extends AutoCloseable {

  /** A read-only operation over one consistent snapshot. */
  @FunctionalInterface
  interface ReadOp<T> {
    T apply(MetaView view);
  }

  /** An operation that changes the metadata atomically. */
  @FunctionalInterface
  interface WriteOp<T> {
    T apply(MetaTxn txn);
  }

  /** Runs {@code op} in a read transaction on this thread. */
  <T> T read(ReadOp<T> op);

  /**
   * Runs {@code op} in a write transaction on the writer thread and waits for its commit. An
   * exception thrown by {@code op} rolls back its changes and is rethrown here.
   */
  <T> T write(WriteOp<T> op);

  /**
   * Allocates a fresh inode id without a transaction, for data written before its metadata
   * commits (block files are named after it). Ids are never reused once a transaction that
   * follows has committed.
   */
  long newInodeId();

  /** Sizes of the store, for metrics and benchmarks. */
  Stats stats();

  /** Forces committed transactions to disk. */
  void sync();

  @Override
  void close();

  /**
   * @param inodes     number of inode records
   * @param blocks     number of block records
   * @param mapSize    current size of the memory map in bytes
   * @param usedBytes  bytes of the map in use (pages in use times the page size)
   */
  record Stats(long inodes, long blocks, long mapSize, long usedBytes) {}
}
