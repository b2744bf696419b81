package io.granary.storage.tiered;

import io.granary.error.OutOfSpaceException;
import io.granary.metadata.BlockRecord;
import io.granary.storage.TempBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** A temp block file in one tier; space is reserved in chunks ahead of the bytes. */
final class TieredTempBlock implements TempBlock {
  private static final long RESERVE_CHUNK = 4L << 20;

  private enum State { WRITING, FINISHED, ABORTED }

  private final TieredBlockStore store;
  private final long blockId;
  private final int tier;
  private final Path tmp;
  private final FileChannel channel;
  private long written;
  private long reserved;
  private State state = State.WRITING;

  TieredTempBlock(TieredBlockStore store, long blockId, int tier, Path tmp, long reserved) throws IOException {
    this.store = store;
    this.blockId = blockId;
    this.tier = tier;
    this.tmp = tmp;
    this.reserved = reserved;
    this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  @Override
  public long blockId() {
    return blockId;
  }

  @Override
  public Path path() {
    return tmp;
  }

  @Override
  public synchronized long length() {
    return written;
  }

  int tier() {
    return tier;
  }

  @Override
  public void write(ByteBuffer src) {
    if (state != State.WRITING) {
      throw new IllegalStateException("block " + Long.toHexString(blockId) + " is " + state);
    }
    long need = written + src.remaining();
    if (need > reserved) {
      long exact = need - reserved;
      long more = Math.max(exact, RESERVE_CHUNK);
      try {
        store.reserveIn(tier, more, blockId);
      } catch (OutOfSpaceException e) {
        more = exact; // a chunk ahead does not fit; the bytes themselves may
        store.reserveIn(tier, more, blockId);
      }
      reserved += more;
    }
    try {
      while (src.hasRemaining()) {
        written += channel.write(src);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing block " + Long.toHexString(blockId) + " to " + tmp, e);
    }
  }

  @Override
  public BlockRecord finish(boolean pinned, boolean unpersisted) {
    if (state != State.WRITING) {
      throw new IllegalStateException("block " + Long.toHexString(blockId) + " is " + state);
    }
    Path target = store.blockPath(tier, blockId);
    try {
      channel.close();
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      abort();
      throw new UncheckedIOException("committing block " + Long.toHexString(blockId) + " to " + target, e);
    }
    store.release(tier, reserved - written);
    reserved = written;
    state = State.FINISHED;
    return new BlockRecord(blockId, tier, written, store.now(), pinned, unpersisted);
  }

  @Override
  public void abort() {
    if (state != State.WRITING) {
      return;
    }
    state = State.ABORTED;
    try {
      channel.close();
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      TieredBlockStore.LOG.warn("could not delete aborted temp block {}", tmp, e);
    }
    store.release(tier, reserved);
    reserved = 0;
  }

  @Override
  public void close() {
    abort();
  }
}
