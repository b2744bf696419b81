package io.granary.engine;

import io.granary.storage.io.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A byte range of a file as one stream, opening each block's stream only when the reader gets
 * there (so an abandoned read does not fetch blocks it never reaches).
 */
final class BlockChainStream extends BulkInputStream {
  /** Opens the part of block {@code index} from {@code offsetInBlock} to {@code endInBlock}. */
  @FunctionalInterface
  interface BlockOpener {
    InputStream open(int index, long offsetInBlock, long endInBlock) throws IOException;
  }

  private final BlockOpener opener;
  private final Layout layout;
  private final long end;
  private long pos;
  private InputStream current;
  private long currentEnd;

  BlockChainStream(BlockOpener opener, Layout layout, long offset, long end) {
    this.opener = opener;
    this.layout = layout;
    this.pos = offset;
    this.end = end;
  }

  private boolean advance() throws IOException {
    while (current == null || pos >= currentEnd) {
      if (current != null) {
        current.close();
        current = null;
      }
      if (pos >= end) {
        return false;
      }
      int index = layout.indexOf(pos);
      long blockStart = layout.start(index);
      long blockEnd = Math.min(blockStart + layout.length(index), end);
      current = opener.open(index, pos - blockStart, blockEnd - blockStart);
      currentEnd = blockEnd;
    }
    return true;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!advance()) {
      return -1;
    }
    int n = current.read(b, off, (int) Math.min(len, currentEnd - pos));
    if (n < 0) {
      throw new IOException("block stream ended early at byte " + pos);
    }
    pos += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
    pos = end;
  }
}
