package io.granary.engine;

import io.granary.storage.io.BulkInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.LongAdder;

/** Bytes [from, to) of an open block file, read with positional reads. */
final class ChannelRangeStream extends BulkInputStream {
  private final FileChannel channel;
  private final LongAdder counter;
  private long pos;
  private final long end;

  ChannelRangeStream(FileChannel channel, long from, long to, LongAdder counter) {
    this.channel = channel;
    this.pos = from;
    this.end = to;
    this.counter = counter;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (pos >= end) {
      return -1;
    }
    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
    if (n < 0) {
      throw new IOException("block file shorter than its record (" + pos + " < " + end + ")");
    }
    pos += n;
    counter.add(n);
    return n;
  }

  @Override
  public long skip(long n) {
    long s = Math.max(0, Math.min(n, end - pos));
    pos += s;
    return s;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
