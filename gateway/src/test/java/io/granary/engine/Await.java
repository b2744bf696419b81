package io.granary.engine;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits, without sleeping, for something a background thread of the gateway does. */
public final class Await {
  private static final long TIMEOUT_SECONDS = 30;

  private Await() {}

  /** Returns once {@code condition} holds; fails the test after 30 s, naming {@code what}. */
  public static void until(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }
}
