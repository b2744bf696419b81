package io.granary.engine;

import io.granary.metadata.Inode;
import java.util.Arrays;
import java.util.List;

/**
 * How a file is cut into blocks: fixed-size blocks (the usual case, nothing stored), or the
 * explicit block lengths of a file assembled from multipart upload parts, stored in the inode's
 * {@link #ATTRIBUTE} so completing an upload moves blocks instead of copying bytes.
 */
final class Layout {
  /** Inode attribute with the comma-separated block lengths of a non-uniform file. */
  static final String ATTRIBUTE = "granary.blocks";

  private final long blockSize;
  private final long length;
  /** Start offsets of the blocks plus the end, for explicit layouts; null when uniform. */
  private final long[] starts;

  private Layout(long blockSize, long length, long[] starts) {
    this.blockSize = blockSize;
    this.length = length;
    this.starts = starts;
  }

  static Layout of(Inode n) {
    return of(n.id(), n.blockSize(), n.length(), n.attributes());
  }

  static Layout of(long id, long blockSize, long length, java.util.Map<String, String> attributes) {
    String explicit = attributes.get(ATTRIBUTE);
    if (explicit == null || explicit.isEmpty()) {
      return new Layout(blockSize, length, null);
    }
    String[] parts = explicit.split(",");
    long[] starts = new long[parts.length + 1];
    for (int i = 0; i < parts.length; i++) {
      starts[i + 1] = starts[i] + Long.parseLong(parts[i]);
    }
    if (starts[parts.length] != length) {
      throw new IllegalStateException("block layout of inode " + id + " covers " + starts[parts.length]
          + " bytes, the file has " + length);
    }
    return new Layout(blockSize, length, starts);
  }

  /** The attribute value for blocks of these lengths. */
  static String encode(List<Long> lengths) {
    StringBuilder b = new StringBuilder(lengths.size() * 9);
    for (Long l : lengths) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(l);
    }
    return b.toString();
  }

  int count() {
    if (starts != null) {
      return starts.length - 1;
    }
    return length == 0 ? 0 : (int) ((length + blockSize - 1) / blockSize);
  }

  long start(int index) {
    return starts != null ? starts[index] : index * blockSize;
  }

  long length(int index) {
    return starts != null ? starts[index + 1] - starts[index] : Math.min(blockSize, length - index * blockSize);
  }

  /** The block holding byte {@code offset}. */
  int indexOf(long offset) {
    if (starts == null) {
      return (int) (offset / blockSize);
    }
    int i = Arrays.binarySearch(starts, offset);
    return i >= 0 ? i : -i - 2;
  }
}
