package io.granary.fuse;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Per-callback counts, errors, slow calls and time spent, for {@code /metrics}. */
public final class FuseStats {
  /** The callbacks the bridge implements. */
  public enum Op {
    GETATTR, READDIR, OPEN, READ, WRITE, CREATE, TRUNCATE, FLUSH, FSYNC, RELEASE, UNLINK, MKDIR, RMDIR,
    RENAME, CHMOD, CHOWN, UTIMENS, STATFS, SYMLINK, READLINK, OPENDIR, RELEASEDIR
  }

  /** A snapshot of one callback's counters. */
  public record Counts(long calls, long errors, long slow, long nanos) {}

  private final LongAdder[] calls = adders();
  private final LongAdder[] errors = adders();
  private final LongAdder[] slow = adders();
  private final LongAdder[] nanos = adders();
  final LongAdder bytesRead = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();

  private static LongAdder[] adders() {
    LongAdder[] a = new LongAdder[Op.values().length];
    for (int i = 0; i < a.length; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  void record(Op op, long elapsedNanos, boolean failed, boolean wasSlow) {
    int i = op.ordinal();
    calls[i].increment();
    nanos[i].add(elapsedNanos);
    if (failed) {
      errors[i].increment();
    }
    if (wasSlow) {
      slow[i].increment();
    }
  }

  public Map<Op, Counts> snapshot() {
    Map<Op, Counts> out = new EnumMap<>(Op.class);
    for (Op op : Op.values()) {
      int i = op.ordinal();
      out.put(op, new Counts(calls[i].sum(), errors[i].sum(), slow[i].sum(), nanos[i].sum()));
    }
    return out;
  }

  public long bytesRead() {
    return bytesRead.sum();
  }

  public long bytesWritten() {
    return bytesWritten.sum();
  }
}
