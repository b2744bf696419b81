package io.granary.sdk;

import io.granary.sdk.proto.BlockInfo;
import java.util.List;

/** Finding a byte's block in a file's block list (as OpenFile returns it, ordered by offset). */
public final class BlockIndex {
  private BlockIndex() {}

  /** The index of the block holding byte {@code pos}. */
  public static int of(List<BlockInfo> blocks, long pos) {
    int lo = 0;
    int hi = blocks.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (blocks.get(mid).getOffset() <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
