package io.granary.engine;

import io.granary.error.InvalidArgumentException;
import io.granary.storage.io.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes exactly {@code length} bytes of a source through and, before handing out the last of
 * them, reads once more to see the source's end. A source that verifies itself at its end (a
 * signed S3 body, a checksum) therefore fails before the writer sees all the bytes, so nothing
 * unverified is committed; a source with more or fewer bytes than declared fails with
 * {@link InvalidArgumentException}.
 */
final class EndCheckedStream extends BulkInputStream {
  private final InputStream in;
  private final long length;
  private long remaining;
  private boolean endChecked;

  EndCheckedStream(InputStream in, long length) {
    this.in = in;
    this.length = length;
    this.remaining = length;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining == 0) {
      checkEnd();
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw new InvalidArgumentException("expected " + length + " bytes but the data ended after " + (length - remaining));
    }
    remaining -= n;
    if (remaining == 0) {
      checkEnd();
    }
    return n;
  }

  private void checkEnd() throws IOException {
    if (!endChecked) {
      endChecked = true;
      if (in.read() >= 0) {
        throw new InvalidArgumentException("the data is longer than the declared " + length + " bytes");
      }
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
