package io.granary.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live mounts, copied on write (the table is tiny and read on every operation). The mount of
 * a path is the one with the longest mount point that contains it.
 */
final class MountTable {
  private volatile List<Mount> mounts = List.of();
  /** Counters of connectors that were unmounted, so totals do not go backwards. */
  private final AtomicLong retiredUfsBytesRead = new AtomicLong();
  private final AtomicLong retiredUfsOpens = new AtomicLong();

  Mount resolve(NamespacePath p) {
    for (Mount m : mounts) {
      if (p.isWithin(m.path())) {
        return m;
      }
    }
    throw new IllegalStateException("no mount covers " + p + "; the root mount is missing");
  }

  Optional<Mount> at(NamespacePath p) {
    return mounts.stream().filter(m -> m.path().equals(p)).findFirst();
  }

  List<Mount> all() {
    return mounts;
  }

  synchronized void add(Mount m) {
    List<Mount> next = new ArrayList<>(mounts);
    next.removeIf(x -> x.path().equals(m.path()));
    next.add(m);
    // longest mount point first, so resolve() finds the innermost mount
    next.sort(Comparator.comparingInt((Mount x) -> x.path().components().size()).reversed());
    mounts = List.copyOf(next);
  }

  synchronized Optional<Mount> remove(NamespacePath p) {
    Optional<Mount> m = at(p);
    m.ifPresent(x -> {
      List<Mount> next = new ArrayList<>(mounts);
      next.remove(x);
      mounts = List.copyOf(next);
      retiredUfsBytesRead.addAndGet(x.ufs().bytesRead());
      retiredUfsOpens.addAndGet(x.ufs().opens());
    });
    return m;
  }

  long ufsBytesRead() {
    return retiredUfsBytesRead.get() + mounts.stream().mapToLong(m -> m.ufs().bytesRead()).sum();
  }

  long ufsOpens() {
    return retiredUfsOpens.get() + mounts.stream().mapToLong(m -> m.ufs().opens()).sum();
  }

  void closeAll() {
    for (Mount m : mounts) {
      m.ufs().close();
    }
  }
}
