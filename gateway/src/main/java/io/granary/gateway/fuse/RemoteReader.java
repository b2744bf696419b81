package io.granary.gateway.fuse;

import io.granary.fuse.FuseBackend;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.OpenFileResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Positional reads of one open file through the SDK's channels, which read cached blocks from the
 * gateway's block files when it shares this host (short circuit) and the rest over its data path.
 * A channel reads one place at a time, so concurrent reads (the kernel sends several) each borrow
 * their own; a sequential reader gets back the channel positioned where it stopped, and with it
 * the open block file or the data-path stream it was reading.
 */
final class RemoteReader implements FuseBackend.Reader {
  private static final int MAX_IDLE = 16;

  private final GranaryClient client;
  private final OpenFileResponse file;
  private final List<BlockInfo> blocks;
  private final String readType;
  private final long size;
  private final Executor readAhead;
  private final int readAheadBlocks;
  private final ArrayDeque<SeekableByteChannel> idle = new ArrayDeque<>();
  private boolean closed; // guarded by idle
  private volatile byte[] whole;
  private final AtomicLong lastEnd = new AtomicLong(-1);
  private final Set<Integer> warmed = ConcurrentHashMap.newKeySet();

  RemoteReader(GranaryClient client, OpenFileResponse file, String readType, Executor readAhead, int readAheadBlocks) {
    this.client = client;
    this.file = file;
    this.blocks = file.getBlocksList();
    this.readType = readType;
    this.size = file.getStatus().getLength();
    this.readAhead = readAhead;
    this.readAheadBlocks = readAheadBlocks;
  }

  /** Reads a small file whole now: its reads are then memory copies. */
  void prefetchWhole() throws IOException {
    byte[] b = new byte[Math.toIntExact(size)];
    ByteBuffer dst = ByteBuffer.wrap(b);
    try (SeekableByteChannel ch = client.openChannel(file, readType)) {
      while (dst.hasRemaining()) {
        if (ch.read(dst) < 0) {
          throw new IOException(path() + " ended at " + dst.position() + " of " + size + " bytes");
        }
      }
    }
    whole = b;
  }

  private String path() {
    return file.getStatus().getPath();
  }

  @Override
  public int read(ByteBuffer dst, long offset) throws IOException {
    if (offset >= size || !dst.hasRemaining()) {
      return 0;
    }
    byte[] w = whole;
    if (w != null) {
      int n = (int) Math.min(dst.remaining(), size - offset);
      dst.put(w, (int) offset, n);
      return n;
    }
    SeekableByteChannel ch = borrow(offset);
    int n;
    boolean ok = false;
    try {
      ch.position(offset);
      n = ch.read(dst);
      ok = true;
    } finally {
      giveBack(ch, ok);
    }
    if (n > 0) {
      readAhead(offset, offset + n);
    }
    return Math.max(n, 0);
  }

  /** An idle channel, preferably one that stopped at {@code offset}; else a new one. */
  private SeekableByteChannel borrow(long offset) throws IOException {
    synchronized (idle) {
      if (closed) {
        throw new IOException(path() + " is closed");
      }
      for (Iterator<SeekableByteChannel> it = idle.iterator(); it.hasNext(); ) {
        SeekableByteChannel c = it.next();
        if (c.position() == offset) {
          it.remove();
          return c;
        }
      }
      SeekableByteChannel c = idle.pollLast();
      if (c != null) {
        return c;
      }
    }
    return client.openChannel(file, readType);
  }

  private void giveBack(SeekableByteChannel ch, boolean reusable) {
    synchronized (idle) {
      if (reusable && !closed && idle.size() < MAX_IDLE) {
        idle.addLast(ch);
        return;
      }
    }
    closeQuietly(ch);
  }

  private int blockAt(long pos) {
    return io.granary.sdk.BlockIndex.of(blocks, pos);
  }

  /**
   * A reader that goes on where it stopped gets the gateway to fetch the next blocks it has not
   * cached: a one-byte read starts the gateway's fetch of the whole block, which goes on without
   * the reader. Blocks the gateway has cached need nothing (and are local files on its host).
   */
  private void readAhead(long from, long to) {
    long prevEnd = lastEnd.getAndSet(to);
    if (readAhead == null || prevEnd != from || blocks.isEmpty()) {
      return;
    }
    int current = blockAt(from);
    for (int i = current + 1; i <= current + readAheadBlocks && i < blocks.size(); i++) {
      BlockInfo b = blocks.get(i);
      if (!b.getCached() && warmed.add(i)) {
        readAhead.execute(() -> {
          try {
            client.readBlockRpc(path(), b.getOffset(), 1, 0, readType);
          } catch (RuntimeException e) {
            // read-ahead is a hint: the reader fetches the block itself when it gets there
          }
        });
      }
    }
  }

  @Override
  public void close() {
    synchronized (idle) {
      closed = true;
      for (SeekableByteChannel c : idle) {
        closeQuietly(c);
      }
      idle.clear();
    }
  }

  private static void closeQuietly(SeekableByteChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // read-only: nothing to lose
    }
  }
}
