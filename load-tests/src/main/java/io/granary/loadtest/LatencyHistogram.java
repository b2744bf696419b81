package io.granary.loadtest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free log-linear histogram of durations in nanoseconds, for {@link GrpcLoad} (HdrHistogram
 * is not on this module's classpath). Values below 128 ns are exact; above, every power of two is
 * split into 128 equal buckets, so a recorded value is known within 1/128 (0.8%). Percentiles
 * report the top of their bucket (never below the true value, like HdrHistogram's "highest
 * equivalent value"), capped at the exact maximum. Any thread may record; reading while others
 * record gives a consistent enough snapshot for reporting.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 7;
  private static final int SUB = 1 << SUB_BITS;
  private static final int BUCKETS = SUB + (64 - SUB_BITS) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final LongAdder count = new LongAdder();
  private final LongAdder sum = new LongAdder();
  private final AtomicLong max = new AtomicLong();

  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts.incrementAndGet(index(v));
    count.increment();
    sum.add(v);
    max.accumulateAndGet(v, Math::max);
  }

  long count() {
    return count.sum();
  }

  long maxNanos() {
    return max.get();
  }

  double meanNanos() {
    long n = count.sum();
    return n == 0 ? Double.NaN : (double) sum.sum() / n;
  }

  /** The value at percentile {@code p} (0..1, nearest rank), or NaN when nothing was recorded. */
  double percentileNanos(double p) {
    long n = count.sum();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(p * n));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Math.min(upper(i), max.get());
      }
    }
    return max.get();
  }

  static int index(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int msb = 63 - Long.numberOfLeadingZeros(v);
    int shift = msb - SUB_BITS; // >= 0; v >>> shift is in [SUB, 2 * SUB)
    return SUB + shift * SUB + (int) ((v >>> shift) - SUB);
  }

  /** The largest value that lands in bucket {@code i}. */
  static long upper(int i) {
    if (i < SUB) {
      return i;
    }
    int shift = (i - SUB) / SUB;
    long sub = SUB + (i - SUB) % SUB;
    long top = ((sub + 1) << shift) - 1;
    return top < 0 ? Long.MAX_VALUE : top;
  }
}
