package io.granary.storage.ufs.support;

import io.granary.error.GranaryException;
import io.granary.error.InvalidArgumentException;
import io.granary.error.UnderStorageException;
import io.granary.storage.io.BulkInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The data of one {@code put}: exactly {@code length} bytes of the caller's stream, counted.
 *
 * <p>When the caller's stream fails or ends early, an SDK only sees an aborted request and reports
 * a network error. This class remembers what really happened so the connector can report the
 * caller's failure ({@link #failure()}) instead of blaming the store, and so a retry layer can tell
 * whether the data can still be sent again ({@link #restart()}).
 *
 * <p>A source made by {@link #replayable} opens its data afresh for every attempt (block files, a
 * spool file), so a put can be retried after a connection broke half-way through its body: a
 * pooled keep-alive connection that the store closed, or a store that drops a signed chunked
 * upload. Any other source can be sent only while none of it was read.
 */
public final class PutSource extends BulkInputStream {
  /** Opens the data of a replayable put from its start. */
  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  private final Opener opener;
  /** The data's files, in order, when it lives in files (else null). */
  private final List<Path> files;
  private final long length;
  private InputStream in;
  private long consumed;
  private volatile GranaryException failure;

  public PutSource(InputStream in, long length) {
    this(Objects.requireNonNull(in, "data"), null, null, length);
  }

  private PutSource(InputStream in, Opener opener, List<Path> files, long length) {
    if (length < 0) {
      throw new InvalidArgumentException("negative put length: " + length);
    }
    this.in = in;
    this.opener = opener;
    this.files = files;
    this.length = length;
  }

  /**
   * A source that opens its data with {@code opener} on first read and again on every
   * {@link #restart()}; it closes what it opened.
   */
  public static PutSource replayable(Opener opener, long length) {
    return new PutSource(null, Objects.requireNonNull(opener, "opener"), null, length);
  }

  /**
   * A replayable source over these files read one after the other, {@code length} bytes in all; a
   * connector that writes a file copies it file to file in the kernel ({@link #copyTo}).
   */
  public static PutSource ofFiles(List<Path> files, long length) {
    List<Path> all = List.copyOf(files);
    return new PutSource(null, () -> concat(all), all, length);
  }

  private static InputStream concat(List<Path> files) throws IOException {
    List<InputStream> parts = new ArrayList<>(files.size());
    try {
      for (Path f : files) {
        parts.add(Files.newInputStream(f));
      }
    } catch (IOException | RuntimeException e) {
      for (InputStream in : parts) {
        in.close();
      }
      throw e;
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /**
   * Writes the whole source to {@code out} from its current position. Data in files goes file to
   * file in the kernel (no copy through the heap), always from its first byte, as a new attempt of
   * a put; other data is streamed from where it stands. A source file that cannot be opened, or data
   * that ends early, fails as {@link #read} does (the caller's failure, not the store's).
   */
  public void copyTo(FileChannel out) throws IOException {
    if (files == null) {
      transferTo(Channels.newOutputStream(out));
      return;
    }
    closeOpened();
    consumed = 0;
    failure = null;
    for (Path f : files) {
      if (consumed == length) {
        break;
      }
      FileChannel in;
      try {
        in = FileChannel.open(f, StandardOpenOption.READ);
      } catch (IOException e) {
        failure = new UnderStorageException(
            UnderStorageException.Kind.OTHER, "reading the data to put failed after " + consumed + " of " + length + " bytes", e);
        throw e;
      }
      try (in) {
        long end = Math.min(in.size(), length - consumed);
        long pos = 0;
        while (pos < end) {
          long n = in.transferTo(pos, end - pos, out);
          if (n <= 0) {
            break; // the file shrank under us: reported below as data that ended early
          }
          pos += n;
          consumed += n;
        }
      }
    }
    if (consumed < length) {
      failure = new InvalidArgumentException("the data to put ended after " + consumed + " of " + length + " bytes");
      throw new EOFException(failure.getMessage());
    }
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

  /** Whether {@link #restart()} can succeed: nothing was read yet, or the data can be opened again. */
  public boolean canRestart() {
    return consumed == 0 || opener != null;
  }

  /**
   * Makes the next read start at the first byte again, for another attempt of the put: false if
   * that is impossible (a one-time stream that was already read from).
   */
  public boolean restart() {
    if (consumed == 0) {
      return true;
    }
    if (opener == null) {
      return false;
    }
    closeOpened();
    consumed = 0;
    failure = null;
    return true;
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
      if (in == null) {
        in = opener.open();
      }
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
    return in == null ? 0 : (int) Math.min(in.available(), length - consumed);
  }

  /** Closes what a replayable source opened; a caller's stream is left to the caller, who opened it. */
  @Override
  public void close() {
    closeOpened();
  }

  private void closeOpened() {
    if (opener != null && in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // the data was read (or abandoned) already; nothing to keep from a failed close of a read stream
      }
      in = null;
    }
  }
}
