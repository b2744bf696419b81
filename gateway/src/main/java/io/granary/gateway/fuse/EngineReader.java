package io.granary.gateway.fuse;

import io.granary.engine.FileInfo;
import io.granary.engine.GranaryEngine;
import io.granary.engine.ReadType;
import io.granary.fuse.FuseBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Positional reads of one open file. A cached block is read from its block file with a channel
 * kept open for the life of the handle (an evicted block file stays readable until then); a miss
 * reads through the engine, which fetches the block once for all readers and caches it. Sequential
 * readers make it fetch the next blocks in the background.
 */
final class EngineReader implements FuseBackend.Reader {
  private final GranaryEngine engine;
  private final FileInfo file;
  private final ReadType readType;
  private final Executor prefetch;
  private final int readAheadBlocks;
  private final Map<Long, OpenBlock> open = new ConcurrentHashMap<>();
  private volatile OpenBlock last;
  private volatile byte[] whole;
  private final AtomicLong lastEnd = new AtomicLong(-1);
  private final AtomicLong prefetchedTo = new AtomicLong();

  private record OpenBlock(FileChannel channel, long start, long length) {
    boolean holds(long offset) {
      return offset >= start && offset < start + length;
    }
  }

  EngineReader(GranaryEngine engine, FileInfo file, ReadType readType, Executor prefetch, int readAheadBlocks) {
    this.engine = engine;
    this.file = file;
    this.readType = readType;
    this.prefetch = prefetch;
    this.readAheadBlocks = readAheadBlocks;
  }

  /**
   * Opens the block holding the start of the file if it is cached (one lookup for a small file's
   * open and first read); false if it is not.
   */
  boolean openFirstBlock() throws IOException {
    return block(0) != null;
  }

  /** Reads a small file whole now (and so caches it): its reads are then memory copies. */
  void prefetchWhole() throws IOException {
    try (InputStream in = engine.read(file.path(), 0, -1, readType)) {
      byte[] b = in.readNBytes((int) file.length());
      if (b.length != file.length()) {
        throw new IOException(file.path() + " ended at " + b.length + " of " + file.length() + " bytes");
      }
      whole = b;
    }
  }

  @Override
  public int read(ByteBuffer dst, long offset) throws IOException {
    long remaining = file.length() - offset;
    if (remaining <= 0 || !dst.hasRemaining()) {
      return 0;
    }
    int want = (int) Math.min(dst.remaining(), remaining);
    byte[] w = whole;
    if (w != null) {
      dst.put(w, (int) offset, want);
      return want;
    }
    OpenBlock b = last;
    if (b == null || !b.holds(offset)) {
      b = block(offset);
      readAhead(offset, b); // once per block entered, not per read
    }
    if (b == null) {
      return readThrough(dst, offset, want);
    }
    int inBlock = (int) Math.min(want, b.start + b.length - offset);
    ByteBuffer slice = dst.slice(dst.position(), inBlock);
    int n = b.channel.read(slice, offset - b.start);
    if (n > 0) {
      dst.position(dst.position() + n);
      engine.countCachedBytes(n);
    }
    return Math.max(n, 0);
  }

  private OpenBlock block(long offset) throws IOException {
    for (OpenBlock o : open.values()) {
      if (o.holds(offset)) {
        last = o;
        return o;
      }
    }
    var cached = engine.cachedBlock(file, offset);
    if (cached.isEmpty()) {
      return null;
    }
    try {
      FileChannel ch = FileChannel.open(cached.get().file(), StandardOpenOption.READ);
      OpenBlock o = new OpenBlock(ch, cached.get().start(), cached.get().length());
      OpenBlock raced = open.putIfAbsent(o.start, o);
      if (raced != null) {
        ch.close();
        o = raced;
      }
      last = o;
      return o;
    } catch (NoSuchFileException e) {
      return null; // evicted since the lookup: read through
    }
  }

  private int readThrough(ByteBuffer dst, long offset, int want) throws IOException {
    try (InputStream in = engine.read(file.path(), offset, want, readType)) {
      byte[] b = in.readNBytes(want);
      dst.put(b);
      return b.length;
    }
  }

  /**
   * A reader that entered a new block where the previous one ended (or at the start) gets the
   * next blocks fetched ahead of it, each block once per open file.
   */
  private void readAhead(long offset, OpenBlock entered) {
    if (prefetch == null) {
      return;
    }
    long[] span = entered != null ? new long[] {entered.start, entered.length} : engine.blockSpan(file, offset);
    long prevEnd = lastEnd.getAndSet(span[0] + span[1]);
    if (offset != span[0] && prevEnd != span[0]) {
      return; // a random reader
    }
    long next = span[0] + span[1];
    for (int i = 0; i < readAheadBlocks && next < file.length(); i++) {
      long[] s = engine.blockSpan(file, next);
      long start = s[0];
      long done = prefetchedTo.get();
      if (start >= done && prefetchedTo.compareAndSet(done, start + s[1]) && !engine.isCached(file, start)) {
        prefetch.execute(() -> fetch(start, s[1]));
      }
      next = start + s[1];
    }
  }

  private void fetch(long start, long length) {
    try (InputStream in = engine.read(file.path(), start, length, readType)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException | RuntimeException e) {
      // read-ahead is a hint: the reader fetches the block itself when it gets there
    }
  }

  @Override
  public void close() {
    for (OpenBlock o : open.values()) {
      try {
        o.channel.close();
      } catch (IOException e) {
        // read-only channel: nothing to lose
      }
    }
    open.clear();
  }
}
