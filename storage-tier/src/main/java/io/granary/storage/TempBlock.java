package io.granary.storage;

import io.granary.metadata.BlockRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A block being written. Only its writer sees it: the file lives in the tier's temp directory
 * until {@link #finish} moves it into place. Space is reserved as the block grows, evicting
 * other blocks if needed; if no tier has room the write fails with
 * {@link io.granary.error.OutOfSpaceException} and nothing becomes visible.
 *
 * <p>Two ways to commit: {@link BlockStore#commit(TempBlock, boolean, boolean)} indexes the block in
 * its own metadata transaction; or {@link #finish} followed by the caller writing the returned record
 * in its own transaction (so a new file and its blocks appear atomically) and then
 * {@link BlockStore#committed} or {@link BlockStore#discardFinished}.
 */
public interface TempBlock extends AutoCloseable {

  long blockId();

  /** The temp file (readable by other threads of the same process, e.g. single-flight readers). */
  Path path();

  /** Bytes written so far. */
  long length();

  /** Appends bytes, reserving space as needed. */
  void write(ByteBuffer src);

  /**
   * Flushes and moves the file into place. The block is not yet indexed: the caller must put the
   * returned record in a metadata transaction and then report it to the store.
   */
  BlockRecord finish(boolean pinned, boolean unpersisted);

  /** Deletes the temp file and releases its space; a no-op after a successful commit. */
  void abort();

  /** Aborts unless the block was finished. */
  @Override
  void close();
}
