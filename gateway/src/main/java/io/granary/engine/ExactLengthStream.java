package io.granary.engine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes exactly {@code length} bytes through and fails if the source ends sooner, so a short
 * body aborts the write instead of storing a truncated file.
 */
final class ExactLengthStream extends FilterInputStream {
  private long remaining;
  private boolean endedEarly;
  private final long length;

  ExactLengthStream(InputStream in, long length) {
    super(in);
    this.remaining = length;
    this.length = length;
  }

  /** Whether the source ended before the declared length. */
  boolean endedEarly() {
    return endedEarly;
  }

  /** What to tell the writer when it did. */
  String shortMessage() {
    return "expected " + length + " bytes but the data ended after " + (length - remaining);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining == 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      endedEarly = true;
      throw new IOException("expected " + length + " bytes but the data ended after " + (length - remaining));
    }
    remaining -= n;
    return n;
  }
}
