package io.granary.engine;

import static io.granary.engine.GranaryEngineTest.bytes;
import static io.granary.engine.GranaryEngineTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.UnderStorageException;
import io.granary.metadata.BlockRecord;
import io.granary.storage.ufs.ForwardingUnderStorage;
import io.granary.storage.ufs.UnderStorage;
import io.granary.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ASYNC_THROUGH: acknowledged from the cache, persisted from a durable queue, in order, through outages and kills. */
class AsyncThroughTest {
  private static final long BLOCK = 64 * 1024;

  @TempDir Path dir;

  /** An under-storage that refuses puts while {@code down} is set: an outage outside the project. */
  static final class Outage extends ForwardingUnderStorage {
    private final AtomicBoolean down;

    Outage(UnderStorage delegate, AtomicBoolean down) {
      super(delegate);
      this.down = down;
    }

    @Override
    public void put(String path, InputStream data, long length) {
      if (down.get()) {
        throw new UnderStorageException(UnderStorageException.Kind.UNAVAILABLE, "outage (test)", null);
      }
      super.put(path, data, length);
    }
  }

  private static void put(GranaryEngine e, String path, byte[] data) throws Exception {
    e.write(path, new ByteArrayInputStream(data), data.length, WriteOptions.defaults().withWriteType(WriteType.ASYNC_THROUGH));
  }

  @Test
  void aWriteIsServedAtOnceAndPersistedOnceTheUnderStorageIsBack() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    try (EngineFixture fx = new EngineFixture(dir, BLOCK, Map.of(), 8L << 20)) {
      fx.ufsWrapper = u -> new Outage(u, down);
      GranaryEngine e = fx.open().engine;
      byte[] data = bytes(150_000, 1);
      put(e, "/async/a.bin", data);
      assertArrayEquals(data, readAll(e, "/async/a.bin", null), "served from the cache at once");
      assertFalse(e.stat("/async/a.bin").persisted());
      assertEquals(1, e.persistQueueLength());
      String metrics = new io.granary.admin.AdminServer(e, () -> null).metrics();
      assertTrue(metrics.contains("granary_persist_queue_length 1"), metrics);
      assertTrue(e.persistOldestPendingMs() >= 0);
      List<BlockRecord> records = fx.meta.read(v -> v.blocksOf(e.stat("/async/a.bin").id()));
      assertTrue(records.stream().allMatch(r -> r.unpersisted()), "pending blocks are exempt from eviction");
      assertFalse(Files.exists(fx.ufsDir.resolve("async/a.bin")));

      down.set(false); // the under-storage comes back; the retry with backoff gets through
      Await.until(() -> e.persistQueueLength() == 0, "the queue to drain");
      assertArrayEquals(data, Files.readAllBytes(fx.ufsDir.resolve("async/a.bin")));
      assertTrue(e.stat("/async/a.bin").persisted());
      assertTrue(fx.meta.read(v -> v.blocksOf(e.stat("/async/a.bin").id())).stream().noneMatch(BlockRecord::unpersisted),
          "persisted blocks become evictable");
      assertEquals(0, e.persistOldestPendingMs());
    }
  }

  @Test
  void renamesAndDeletesAfterAWriteApplyAfterIt() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    try (EngineFixture fx = new EngineFixture(dir, BLOCK, Map.of(), 8L << 20)) {
      fx.ufsWrapper = u -> new Outage(u, down);
      GranaryEngine e = fx.open().engine;
      put(e, "/o/a.bin", bytes(1000, 2));
      e.rename("/o/a.bin", "/o/b.bin");
      put(e, "/o/c.bin", bytes(1000, 3));
      e.delete("/o/c.bin", false);
      put(e, "/o/d.bin", bytes(1000, 4));
      put(e, "/o/d.bin", bytes(2000, 5)); // replaced before it was persisted
      down.set(false);
      Await.until(() -> e.persistQueueLength() == 0, "the queue to drain");
      assertArrayEquals(bytes(1000, 2), Files.readAllBytes(fx.ufsDir.resolve("o/b.bin")));
      assertFalse(Files.exists(fx.ufsDir.resolve("o/a.bin")), "persisted under its new name only");
      assertFalse(Files.exists(fx.ufsDir.resolve("o/c.bin")), "deleted before persisting: never written");
      assertArrayEquals(bytes(2000, 5), Files.readAllBytes(fx.ufsDir.resolve("o/d.bin")), "only the latest version");
    }
  }

  /** Holds the persister's puts until released, telling when one has started. */
  static final class HeldPersister extends ForwardingUnderStorage {
    final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    HeldPersister(UnderStorage delegate) {
      super(delegate);
    }

    @Override
    public void put(String path, InputStream data, long length) {
      if (Thread.currentThread().getName().equals("granary-persister")) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      super.put(path, data, length);
    }
  }

  @Test
  void aWriteThroughDuringAnUploadOfTheOlderVersionWins() throws Exception {
    HeldPersister[] ufs = new HeldPersister[1];
    try (EngineFixture fx = new EngineFixture(dir, BLOCK, Map.of(), 8L << 20)) {
      fx.ufsWrapper = u -> ufs[0] = new HeldPersister(u);
      GranaryEngine e = fx.open().engine;
      put(e, "/race/a.bin", bytes(5000, 1));
      assertTrue(ufs[0].entered.await(30, TimeUnit.SECONDS), "the persister started uploading the old version");
      byte[] newer = bytes(7000, 2);
      var through = java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          e.write("/race/a.bin", new ByteArrayInputStream(newer), newer.length,
              WriteOptions.defaults().withWriteType(WriteType.THROUGH));
        } catch (IOException ex) {
          throw new java.io.UncheckedIOException(ex);
        }
      });
      // the write-through either waits for the upload (fixed) or finishes before it lands (the race)
      Await.until(() -> through.isDone() || waitingOnALock(), "the write-through to finish or wait");
      ufs[0].release.countDown();
      through.get(30, TimeUnit.SECONDS);
      Await.until(() -> e.persistQueueLength() == 0, "the queue to drain");
      assertArrayEquals(newer, Files.readAllBytes(fx.ufsDir.resolve("race/a.bin")), "the newer version stays");
      assertArrayEquals(newer, readAll(e, "/race/a.bin", null));
    }
  }

  private static boolean waitingOnALock() {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getState() == Thread.State.WAITING
        && java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().endsWith("PathLocks")));
  }

  @Test
  void aGatewayKilledWithAFullQueueResumesItAndLosesNothing() throws Exception {
    Process child = new ProcessBuilder(ChildJvm.command(Writer.class, dir.toString())).redirectErrorStream(true).start();
    int acknowledged = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("acknowledged ")) {
          acknowledged = Integer.parseInt(line.substring(13));
          if (acknowledged >= 20) {
            break;
          }
        }
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(acknowledged >= 20, "acknowledged " + acknowledged);
    try (EngineFixture fx = new EngineFixture(dir, BLOCK, Map.of(), 64L << 20).open()) {
      GranaryEngine e = fx.engine;
      Await.until(() -> e.persistQueueLength() == 0, "the resumed queue to drain");
      for (int i = 0; i <= acknowledged; i++) {
        assertArrayEquals(bytes(3000 + i, i), Files.readAllBytes(fx.ufsDir.resolve("k/f" + i)), "file " + i);
      }
    }
  }

  /** The child: the under-storage is down the whole time, so every acknowledged file is only in the queue. */
  public static final class Writer {
    public static void main(String[] args) throws Exception {
      AtomicBoolean down = new AtomicBoolean(true);
      EngineFixture fx = new EngineFixture(Path.of(args[0]), BLOCK, Map.of(), 64L << 20);
      fx.ufsWrapper = u -> new Outage(u, down);
      fx.open();
      for (int i = 0; ; i++) {
        put(fx.engine, "/k/f" + i, bytes(3000 + i, i));
        System.out.println("acknowledged " + i);
        System.out.flush();
      }
    }
  }
}
