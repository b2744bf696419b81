package io.granary.storage.ufs;

import io.granary.error.UnderStorageException;
import io.granary.storage.ufs.support.PutSource;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Retries calls that failed with {@link UnderStorageException.Kind#UNAVAILABLE}, a bounded number
 * of times with exponential backoff and jitter. Misses and refusals are not retried: they will not
 * change. A put is retried when its data can be sent again ({@link PutSource#restart()}: a
 * replayable source, or one that none of was read); a stream returned by open is not re-opened when it fails mid-way.
 *
 * <p>Retried calls are not transactions: a delete whose answer was lost may report NOT_FOUND on
 * the retry, and a directory rename resumes with what is left of the source.
 */
final class RetryingUnderStorage extends ForwardingUnderStorage {
  /** Waits between attempts; tests pass one that does not wait. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration delay) throws InterruptedException;
  }

  private static final Duration MAX_DELAY = Duration.ofSeconds(10);

  private final int retries;
  private final Duration baseDelay;
  private final Sleeper sleeper;

  RetryingUnderStorage(UnderStorage delegate, int retries, Duration baseDelay) {
    this(delegate, retries, baseDelay, Thread::sleep);
  }

  RetryingUnderStorage(UnderStorage delegate, int retries, Duration baseDelay, Sleeper sleeper) {
    super(delegate);
    this.retries = retries;
    this.baseDelay = baseDelay;
    this.sleeper = sleeper;
  }

  @Override
  public Optional<UfsStatus> stat(String path) {
    return call("stat " + path, () -> delegate().stat(path), () -> true);
  }

  @Override
  public UfsListing list(String dir, String continuationToken, int maxKeys) {
    return call("list " + dir, () -> delegate().list(dir, continuationToken, maxKeys), () -> true);
  }

  @Override
  public InputStream open(String path, long offset, long length) {
    return call("open " + path, () -> delegate().open(path, offset, length), () -> true);
  }

  @Override
  public void put(String path, InputStream data, long length) {
    PutSource source = PutSource.of(data, length);
    call("put " + path, () -> {
      if (!source.restart()) {
        throw new IllegalStateException("put " + path + ": the data cannot be sent again");
      }
      delegate().put(path, source, length);
      return null;
    }, source::canRestart);
  }

  @Override
  public void mkdirs(String path) {
    call("mkdirs " + path, () -> {
      delegate().mkdirs(path);
      return null;
    }, () -> true);
  }

  @Override
  public void delete(String path) {
    call("delete " + path, () -> {
      delegate().delete(path);
      return null;
    }, () -> true);
  }

  @Override
  public void rename(String src, String dst) {
    call("rename " + src + " to " + dst, () -> {
      delegate().rename(src, dst);
      return null;
    }, () -> true);
  }

  /**
   * Runs {@code attempt} until it succeeds, fails other than UNAVAILABLE, {@code canRetry} says no,
   * or the retries are spent; then throws the last failure.
   */
  private <T> T call(String what, Supplier<T> attempt, BooleanSupplier canRetry) {
    for (int retry = 0; ; retry++) {
      try {
        return attempt.get();
      } catch (UnderStorageException e) {
        if (e.kind() != UnderStorageException.Kind.UNAVAILABLE || !canRetry.getAsBoolean()) {
          throw e;
        }
        if (retry == retries) {
          if (retries == 0) {
            throw e;
          }
          throw new UnderStorageException(UnderStorageException.Kind.UNAVAILABLE,
              what + " failed after " + (retries + 1) + " attempts: " + e.getMessage(), e);
        }
        backOff(retry, e);
      }
    }
  }

  private void backOff(int retry, UnderStorageException last) {
    long ceiling = Math.min(MAX_DELAY.toMillis(), baseDelay.toMillis() << Math.min(retry, 20));
    long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    try {
      sleeper.sleep(Duration.ofMillis(delay));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw last;
    }
  }
}
