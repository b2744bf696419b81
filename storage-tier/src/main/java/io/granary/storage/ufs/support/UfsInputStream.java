package io.granary.storage.ufs.support;

import io.granary.error.UnderStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;

/**
 * The stream an {@code open} returns: turns read failures into {@link UnderStorageException}s with
 * the connector's own translation, and on a close before the end aborts the response instead of
 * draining it (HTTP clients otherwise read the rest of a large body to reuse the connection).
 */
public final class UfsInputStream extends InputStream {
  /** Releases the underlying response without reading the rest. */
  @FunctionalInterface
  public interface Abort {
    void abort() throws IOException;
  }

  private final InputStream in;
  private final Abort abort;
  private final Function<? super IOException, UnderStorageException> translate;
  private boolean eof;
  private boolean closed;

  public UfsInputStream(InputStream in, Abort abort, Function<? super IOException, UnderStorageException> translate) {
    this.in = in;
    this.abort = abort;
    this.translate = translate;
  }

  /** An empty stream, for reads that start at or past the end. */
  public static InputStream empty() {
    return InputStream.nullInputStream();
  }

  @Override
  public int read() {
    try {
      int b = in.read();
      eof |= b < 0;
      return b;
    } catch (IOException e) {
      throw translate.apply(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) {
    try {
      int n = in.read(b, off, len);
      eof |= n < 0;
      return n;
    } catch (IOException e) {
      throw translate.apply(e);
    }
  }

  @Override
  public long skip(long n) {
    try {
      return in.skip(n);
    } catch (IOException e) {
      throw translate.apply(e);
    }
  }

  @Override
  public int available() {
    try {
      return in.available();
    } catch (IOException e) {
      throw translate.apply(e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!eof) {
        abort.abort();
      }
      in.close();
    } catch (IOException e) {
      // The data the caller wanted was read or abandoned; a failed release only loses a connection.
    }
  }
}
