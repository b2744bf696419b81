package io.granary.storage.io;

import java.io.IOException;
import java.io.InputStream;

/**
 * An InputStream whose only real read is the bulk one: the single-byte read is written once here
 * in terms of it, so streams over blocks, channels and requests implement one method.
 */
public abstract class BulkInputStream extends InputStream {

  @Override
  public abstract int read(byte[] b, int off, int len) throws IOException;

  @Override
  public final int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = read(one, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : one[0] & 0xff;
  }
}
