package io.granary.storage.ufs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the traffic to an under-storage. Calls are counted when made, whether or not they
 * succeed; bytes when they actually move: {@link #bytesRead()} as the streams returned by
 * {@link #open} are read, {@link #bytesWritten()} when a put completes.
 */
public final class MeteredUnderStorage extends ForwardingUnderStorage {
  private final LongAdder opens = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final LongAdder metadataCalls = new LongAdder();

  public MeteredUnderStorage(UnderStorage delegate) {
    super(delegate);
  }

  /** Calls to {@link #open}. */
  public long opens() {
    return opens.sum();
  }

  /** Bytes read from the streams {@link #open} returned. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** Calls to {@link #put}. */
  public long puts() {
    return puts.sum();
  }

  /** Bytes of the puts that completed. */
  public long bytesWritten() {
    return bytesWritten.sum();
  }

  /** Calls to {@link #stat} and {@link #list}. */
  public long metadataCalls() {
    return metadataCalls.sum();
  }

  @Override
  public Optional<UfsStatus> stat(String path) {
    metadataCalls.increment();
    return super.stat(path);
  }

  @Override
  public UfsListing list(String dir, String continuationToken, int maxKeys) {
    metadataCalls.increment();
    return super.list(dir, continuationToken, maxKeys);
  }

  @Override
  public InputStream open(String path, long offset, long length) {
    opens.increment();
    return new CountingInputStream(super.open(path, offset, length));
  }

  @Override
  public void put(String path, InputStream data, long length) {
    puts.increment();
    super.put(path, data, length);
    bytesWritten.add(length);
  }

  private final class CountingInputStream extends FilterInputStream {
    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        bytesRead.increment();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        bytesRead.add(n);
      }
      return n;
    }

    @Override
    public boolean markSupported() {
      return false; // a reset would count bytes twice
    }
  }
}
