package io.granary.engine;

import static io.granary.engine.GranaryEngineTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.storage.ufs.ForwardingUnderStorage;
import io.granary.storage.ufs.UnderStorage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cold reads: one under-storage read per block however many readers, bytes streamed as they arrive. */
class ColdReadTest {
  private static final int KB = 1024;

  @TempDir Path dir;
  private EngineFixture fx;
  /** Bytes the gated under-storage lets through; the test raises it. */
  private final AtomicLong allowance = new AtomicLong();

  @AfterEach
  void close() {
    allowance.set(Long.MAX_VALUE);
    synchronized (allowance) {
      allowance.notifyAll();
    }
    if (fx != null) {
      fx.close();
    }
  }

  /** An under-storage whose streams deliver only as many bytes as the test allows: a slow remote store. */
  private final class GatedUnderStorage extends ForwardingUnderStorage {
    GatedUnderStorage(UnderStorage delegate) {
      super(delegate);
    }

    @Override
    public InputStream open(String path, long offset, long length) {
      return new FilterInputStream(super.open(path, offset, length)) {
        private long delivered;

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          synchronized (allowance) {
            while (delivered >= allowance.get()) {
              try {
                allowance.wait();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            len = (int) Math.min(len, allowance.get() - delivered);
          }
          int n = super.read(b, off, len);
          if (n > 0) {
            delivered += n;
          }
          return n;
        }
      };
    }
  }

  private void allow(long bytes) {
    synchronized (allowance) {
      allowance.set(bytes);
      allowance.notifyAll();
    }
  }

  private GranaryEngine engine() throws IOException {
    fx = new EngineFixture(dir, 4L << 20, Map.of(), 64L << 20);
    fx.ufsWrapper = GatedUnderStorage::new;
    return fx.open().engine;
  }

  @Test
  void coldReadsOfOneBlockHitUnderStorageOnce() throws Exception {
    GranaryEngine e = engine();
    byte[] data = bytes(3 * 1024 * KB, 1);
    Files.write(fx.ufsDir.resolve("shared.bin"), data);
    int readers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    List<Future<byte[]>> results = new ArrayList<>();
    for (int i = 0; i < readers; i++) {
      results.add(pool.submit(() -> {
        try (InputStream in = e.read("/shared.bin", 0, -1, null)) {
          return in.readAllBytes();
        }
      }));
    }
    // every reader is inside the engine, one started the fetch and the others joined it
    Await.until(() -> e.metrics().coldFetchJoins() == readers - 1, "7 readers to join the one fetch");
    allow(Long.MAX_VALUE);
    for (Future<byte[]> f : results) {
      assertArrayEquals(data, f.get(30, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertEquals(1, e.ufsOpens(), "one under-storage read for eight readers");
    assertEquals(1, e.metrics().coldFetches());
    assertEquals(data.length, e.ufsBytesRead());
    try (InputStream in = e.read("/shared.bin", 0, -1, null)) {
      assertArrayEquals(data, in.readAllBytes());
    }
    assertEquals(1, e.ufsOpens(), "then served from the cache");
  }

  @Test
  void coldReadStreamsBytesBeforeTheBlockIsComplete() throws Exception {
    GranaryEngine e = engine();
    byte[] data = bytes(2 * 1024 * KB, 2);
    Files.write(fx.ufsDir.resolve("stream.bin"), data);
    allow(256 * KB); // the store has delivered only the first 256 KiB so far
    CountDownLatch gotFirstBytes = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<byte[]> all = pool.submit(() -> {
      try (InputStream in = e.read("/stream.bin", 0, -1, null)) {
        byte[] first = in.readNBytes(128 * KB);
        gotFirstBytes.countDown();
        byte[] rest = in.readAllBytes();
        byte[] out = new byte[first.length + rest.length];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(rest, 0, out, first.length, rest.length);
        return out;
      }
    });
    assertTrue(gotFirstBytes.await(20, TimeUnit.SECONDS), "first bytes arrive while the fetch is still running");
    assertEquals(1, e.metrics().coldFetches());
    assertTrue(fx.blocks.usage().get(0).blocks() == 0, "the block is not committed yet");
    allow(Long.MAX_VALUE);
    assertArrayEquals(data, all.get(30, TimeUnit.SECONDS));
    pool.shutdown();
    assertEquals(1, fx.blocks.usage().get(0).blocks());
  }

  @Test
  void anInterruptedReaderDoesNotBreakTheOthers() throws Exception {
    GranaryEngine e = engine();
    byte[] data = bytes(1024 * KB, 4);
    Files.write(fx.ufsDir.resolve("shared2.bin"), data);
    allow(256 * KB);
    try (InputStream calm = e.read("/shared2.bin", 0, -1, null)) {
      byte[] first = calm.readNBytes(64 * KB); // bytes are there: the next reader does not wait
      ExecutorService pool = Executors.newSingleThreadExecutor();
      Future<Integer> interrupted = pool.submit(() -> {
        try (InputStream in = e.read("/shared2.bin", 0, -1, null)) {
          Thread.currentThread().interrupt(); // e.g. a cancelled request's thread
          return in.read(new byte[4 * KB]);
        }
      });
      interrupted.get(30, TimeUnit.SECONDS); // it may read or fail, but alone
      pool.shutdown();
      allow(Long.MAX_VALUE);
      byte[] rest = calm.readAllBytes();
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertArrayEquals(data, all, "the other reader gets the whole block");
    }
  }

  @Test
  void aFailedFetchFailsItsReadersAndCachesNothing() throws Exception {
    GranaryEngine e = engine();
    Path f = fx.ufsDir.resolve("vanishing.bin");
    Files.write(f, bytes(512 * KB, 3));
    e.stat("/vanishing.bin");
    Files.delete(f); // the store loses the file after its metadata was loaded (sync interval -1)
    allow(Long.MAX_VALUE);
    IOException err = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
      try (InputStream in = e.read("/vanishing.bin", 0, -1, null)) {
        in.readAllBytes();
      }
    });
    assertTrue(err.getMessage().contains("vanishing.bin"), err.getMessage());
    assertEquals(0, fx.blocks.usage().get(0).used());
  }
}
