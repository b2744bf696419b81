package io.granary.storage.ufs.support;

import io.granary.error.GranaryException;
import io.granary.error.InvalidArgumentException;
import io.granary.error.UnderStorageException;
import io.granary.storage.io.BulkInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The data of one {@code put}: exactly {@code length} bytes of the caller's stream, counted.
 *
 * <p>When the caller's stream fails or ends early, an SDK only sees an aborted request and reports
 * a network error. This class remembers what really happened so the connector can report the
 * caller's failure ({@link #failure()}) instead of blaming the store, and so a retry layer can tell
 * whether the data was touched ({@link #consumed()}) and can still be sent again.
 */
public final class PutSource extends BulkInputStream {
  private final InputStream in;
  private final long length;
  private long consumed;
  private volatile GranaryException failure;

  public PutSource(InputStream in, long length) {
    if (length < 0) {
      throw new InvalidArgumentException("negative put length: " + length);
    }
    this.in = Objects.requireNonNull(in, "data");
    this.length = length;
  }

  /** Wraps {@code data} unless it already is a PutSource of that length. */
  public static PutSource of(InputStream data, long length) {
    if (data instanceof PutSource source && source.length == length) {
      return source;
    }
    return new PutSource(data, length);
  }

  public long length() {
    return length;
  }

  /** Bytes handed out so far. */
  public long consumed() {
    return consumed;
  }

  /** Why the caller's data could not be read, or null if it could. */
  public GranaryException failure() {
    return failure;
  }

  /** The caller's failure if there was one, else {@code storeFailure}. */
  public RuntimeException failureOr(RuntimeException storeFailure) {
    GranaryException own = failure;
    return own != null ? own : storeFailure;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    long left = length - consumed;
    if (left == 0) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n;
    try {
      n = in.read(b, off, (int) Math.min(len, left));
    } catch (IOException e) {
      failure = new UnderStorageException(
          UnderStorageException.Kind.OTHER, "reading the data to put failed after " + consumed + " of " + length + " bytes", e);
      throw e;
    } catch (GranaryException e) {
      failure = e;
      throw e;
    } catch (RuntimeException e) {
      failure = new UnderStorageException(
          UnderStorageException.Kind.OTHER, "reading the data to put failed after " + consumed + " of " + length + " bytes", e);
      throw e;
    }
    if (n < 0) {
      failure = new InvalidArgumentException("the data to put ended after " + consumed + " of " + length + " bytes");
      throw new EOFException(failure.getMessage());
    }
    consumed += n;
    return n;
  }

  @Override
  public int available() throws IOException {
    return (int) Math.min(in.available(), length - consumed);
  }

  /** Does not close the caller's stream: the caller opened it and closes it. */
  @Override
  public void close() {}
}
