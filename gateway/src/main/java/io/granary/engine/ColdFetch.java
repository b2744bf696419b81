package io.granary.engine;

import io.granary.metadata.BlockRecord;
import io.granary.metadata.Inode;
import io.granary.metadata.MetadataStore;
import io.granary.storage.BlockStore;
import io.granary.storage.TempBlock;
import io.granary.storage.ufs.UnderStorage;
import io.granary.storage.io.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.io.RandomAccessFile;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One under-storage read that fills one block, shared by every reader of that block (single
 * flight). The fetch writes the bytes into the block's temp file; readers read the same file
 * through one shared descriptor as the bytes arrive, so the first reader gets data long before
 * the block is complete and later readers cost the under-storage nothing. The descriptor stays
 * valid when the temp file is renamed into place (commit) or deleted (abort).
 */
final class ColdFetch implements Runnable {
  private static final int CHUNK = 1 << 20;

  private final BlockStore blocks;
  private final MetadataStore meta;
  /** The file as it was when the fetch started: the block is cached only if it still is. */
  private final Inode file;
  private final UnderStorage ufs;
  private final String ufsPath;
  private final long fileOffset;
  private final long length;
  private final boolean pinned;
  private final TempBlock temp;
  /**
   * Shared by the readers; java.io, not a FileChannel: an interrupted reader would close an
   * interruptible channel for every reader of the block.
   */
  private final RandomAccessFile data;
  private final Consumer<ColdFetch> onDone;

  private long available;
  private boolean done;
  private Throwable failure;
  private int readers;
  private boolean closed;

  /** Creates the temp block and opens it for readers; the fetch itself starts with {@link #run}. */
  ColdFetch(BlockStore blocks, MetadataStore meta, Inode file, UnderStorage ufs, String ufsPath, long blockId,
      long fileOffset, long length, boolean pinned, int tier, Consumer<ColdFetch> onDone) throws IOException {
    this.blocks = blocks;
    this.meta = meta;
    this.file = file;
    this.ufs = ufs;
    this.ufsPath = ufsPath;
    this.fileOffset = fileOffset;
    this.length = length;
    this.pinned = pinned;
    this.onDone = onDone;
    this.temp = blocks.createForRead(blockId, tier, length);
    try {
      this.data = new RandomAccessFile(temp.path().toFile(), "r");
    } catch (IOException e) {
      temp.abort();
      throw e;
    }
  }

  @Override
  public void run() {
    Throwable error = null;
    try (InputStream in = ufs.open(ufsPath, fileOffset, length)) {
      byte[] buf = new byte[CHUNK];
      long total = 0;
      while (total < length) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, length - total));
        if (n < 0) {
          throw new IOException("under-storage file " + ufs.uri() + "/" + ufsPath + " ended at "
              + (fileOffset + total) + ", expected " + (fileOffset + length) + " bytes: it changed behind the cache");
        }
        temp.write(ByteBuffer.wrap(buf, 0, n));
        total += n;
        synchronized (this) {
          available = total;
          notifyAll();
        }
      }
      commitIfCurrent();
    } catch (Throwable t) {
      temp.abort();
      error = t;
    } finally {
      synchronized (this) {
        failure = error;
        done = true;
        notifyAll();
      }
      onDone.accept(this);
      releaseReader(false);
    }
  }

  /**
   * Indexes the block only if its file is unchanged since the fetch started: a file deleted or
   * changed in the under-storage meanwhile must not get a block of the old content.
   */
  private void commitIfCurrent() {
    BlockRecord record = temp.finish(pinned, false);
    boolean current;
    try {
      current = meta.write(txn -> {
        Optional<Inode> now = txn.inode(file.id());
        if (now.isEmpty() || now.get().length() != file.length() || !now.get().fingerprint().equals(file.fingerprint())) {
          return false;
        }
        txn.putBlock(record);
        return true;
      });
    } catch (RuntimeException e) {
      blocks.discardFinished(List.of(record));
      throw e;
    }
    if (current) {
      blocks.committed(List.of(record));
    } else {
      blocks.discardFinished(List.of(record));
    }
  }

  /** Fails a fetch that will never run (the pool shut down): its readers get {@code cause}. */
  void cancel(Throwable cause) {
    temp.abort();
    synchronized (this) {
      if (done) {
        return;
      }
      failure = cause;
      done = true;
      notifyAll();
    }
    onDone.accept(this);
    releaseReader(false);
  }

  /** Registers a reader; null if the fetch has finished and its descriptor is closed. */
  synchronized InputStream reader(long from, long to) {
    if (closed) {
      return null;
    }
    readers++;
    return new Reader(from, to);
  }

  /** Counts the fetch itself as a reader until it finishes, so the descriptor is not closed under it. */
  synchronized void holdWhileRunning() {
    readers++;
  }

  private synchronized void releaseReader(boolean fromReader) {
    readers--;
    if (readers == 0 && done && !closed) {
      closed = true;
      try {
        data.close();
      } catch (IOException e) {
        // nothing was written through this descriptor
      }
    }
  }

  /** Waits until byte {@code pos} is available; returns how many bytes from pos can be read (0: failed/ended). */
  private synchronized long waitFor(long pos) throws IOException {
    while (available <= pos && !done) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for block data");
      }
    }
    if (available > pos) {
      return available - pos;
    }
    if (failure != null) {
      throw new IOException("under-storage read of " + ufs.uri() + "/" + ufsPath + " failed: " + failure.getMessage(), failure);
    }
    return 0;
  }

  private synchronized void awaitCommit() throws IOException {
    while (!done) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for block commit");
      }
    }
    if (failure != null) {
      throw new IOException("caching " + ufs.uri() + "/" + ufsPath + " failed: " + failure.getMessage(), failure);
    }
  }

  /** A reader of byte range [from, to) of the block. */
  private final class Reader extends BulkInputStream {
    private long pos;
    private final long end;
    private boolean released;

    Reader(long from, long to) {
      this.pos = from;
      this.end = to;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= end) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      long ready = waitFor(pos);
      if (ready == 0) {
        throw new IOException("block fetch of " + ufsPath + " ended early");
      }
      int want = (int) Math.min(Math.min(len, ready), end - pos);
      if (pos + want >= length) {
        awaitCommit(); // the last bytes go out once the block is indexed: a re-read then hits
      }
      int n;
      synchronized (data) {
        data.seek(pos);
        n = data.read(b, off, want);
      }
      if (n <= 0) {
        throw new IOException("block temp file of " + ufsPath + " shorter than announced");
      }
      pos += n;
      return n;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        releaseReader(true);
      }
    }
  }
}
