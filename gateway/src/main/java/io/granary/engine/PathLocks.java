package io.granary.engine;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks that order changes of one path in its under-storage: the persister's upload of a
 * file against a write-through, delete or rename of the same path, so an older upload can never
 * land after a newer change. Held from the under-storage call until the metadata commit.
 */
final class PathLocks {
  private static final int STRIPES = 256;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  PathLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  private int stripe(String path) {
    return Math.floorMod(path.hashCode() * 0x9E3779B9, STRIPES);
  }

  /** Locks one path; close the result to unlock. */
  Held lock(String path) {
    ReentrantLock l = locks[stripe(path)];
    l.lock();
    return l::unlock;
  }

  /** Locks two paths in a fixed order (no deadlock between two renames). */
  Held lock(String a, String b) {
    int i = stripe(a);
    int j = stripe(b);
    if (i == j) {
      return lock(a);
    }
    ReentrantLock first = locks[Math.min(i, j)];
    ReentrantLock second = locks[Math.max(i, j)];
    first.lock();
    second.lock();
    return () -> {
      second.unlock();
      first.unlock();
    };
  }

  /** An acquired lock. */
  @FunctionalInterface
  interface Held extends AutoCloseable {
    @Override
    void close();
  }
}
