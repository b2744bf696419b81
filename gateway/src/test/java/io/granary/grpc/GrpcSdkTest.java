package io.granary.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.boot.GranaryServer;
import io.granary.boot.TestGateways;
import io.granary.config.GranaryConfig;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryClientException;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.LoadProgress;
import io.vertx.grpc.common.GrpcStatus;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC block API through the Java SDK, against a real gateway on loopback. */
class GrpcSdkTest {
  static final String KEY = "AKIAGRPCTEST";
  static final String SECRET = "grpc-secret";

  @TempDir static Path dir;
  static GranaryServer server;
  static GranaryClient client;

  @BeforeAll
  static void start() throws Exception {
    server = TestGateways.start(TestGateways.config(dir, "256MiB", "1MiB", KEY, SECRET));
    client = new GranaryClient("127.0.0.1", server.grpcPort(), KEY, SECRET, GranaryClient.Options.defaults());
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static FileStatus write(String path, byte[] data, String writeType) throws Exception {
    try (OutputStream out = client.create(path, writeType, true, data.length)) {
      out.write(data);
    }
    return client.stat(path);
  }

  private static byte[] readAll(GranaryClient c, String path) throws Exception {
    try (InputStream in = c.openInputStream(path)) {
      return in.readAllBytes();
    }
  }

  @Test
  void namespaceCallsWorkAndFailWithStatusesThatNameThePath() throws Exception {
    client.mkdir("/ns/a/b", true);
    write("/ns/a/b/f.txt", "hello".getBytes(StandardCharsets.UTF_8), null);
    assertEquals(5, client.stat("/ns/a/b/f.txt").getLength());
    assertEquals(List.of("f.txt"), client.list("/ns/a/b").stream().map(s -> Path.of(s.getPath()).getFileName().toString()).toList());
    client.rename("/ns/a/b/f.txt", "/ns/a/g.txt");
    assertEquals(5, client.stat("/ns/a/g.txt").getLength());

    GranaryClientException missing = assertThrows(GranaryClientException.class, () -> client.stat("/ns/nope"));
    assertEquals(GrpcStatus.NOT_FOUND, missing.status());
    assertTrue(missing.getMessage().contains("/ns/nope"), missing.getMessage());
    assertEquals(GrpcStatus.ALREADY_EXISTS, assertThrows(GranaryClientException.class, () -> client.mkdir("/ns/a", false)).status());
    assertEquals(GrpcStatus.FAILED_PRECONDITION, assertThrows(GranaryClientException.class, () -> client.delete("/ns/a", false)).status());
    assertEquals(GrpcStatus.INVALID_ARGUMENT, assertThrows(GranaryClientException.class, () -> client.stat("/ns/../etc")).status());
    client.delete("/ns", true);
    assertEquals(GrpcStatus.NOT_FOUND, assertThrows(GranaryClientException.class, () -> client.stat("/ns/a/g.txt")).status());
  }

  @Test
  void aCallWithoutValidCredentialsIsUnauthenticated() {
    try (GranaryClient wrong = new GranaryClient("127.0.0.1", server.grpcPort(), KEY, "wrong", GranaryClient.Options.defaults());
         GranaryClient unknown = new GranaryClient("127.0.0.1", server.grpcPort(), "NOBODY", SECRET, GranaryClient.Options.defaults())) {
      assertEquals(GrpcStatus.UNAUTHENTICATED, assertThrows(GranaryClientException.class, () -> wrong.stat("/")).status());
      assertEquals(GrpcStatus.UNAUTHENTICATED, assertThrows(GranaryClientException.class, () -> unknown.report()).status());
      assertEquals(GrpcStatus.UNAUTHENTICATED, assertThrows(GranaryClientException.class, () -> wrong.list("/")).status());
    }
  }

  @Test
  void repeatedStatsAreServedByTheMetadataCacheAndOwnWritesInvalidateIt() throws Exception {
    write("/cache/x.bin", bytes(10, 1), null);
    client.stat("/cache/x.bin");
    long before = client.rpcCount();
    for (int i = 0; i < 100; i++) {
      assertEquals(10, client.stat("/cache/x.bin").getLength());
    }
    assertEquals(before, client.rpcCount(), "cached stats make no RPC");
    write("/cache/x.bin", bytes(20, 2), null);
    assertEquals(20, client.stat("/cache/x.bin").getLength(), "the client's own write invalidated the entry");
  }

  @Test
  void cachedBlocksAreReadByShortCircuitAndEvictedOnesOverTheNetwork() throws Exception {
    byte[] data = bytes(3 * 1024 * 1024 + 17, 3);
    write("/sc/data.bin", data, "CACHE_THROUGH");
    long hits = server.engine().metrics().blockHits();
    assertTrue(client.blocks("/sc/data.bin").stream().allMatch(b -> !b.getLocalPath().isEmpty()), "local paths offered");
    assertArrayEquals(data, readAll(client, "/sc/data.bin"));
    assertEquals(hits, server.engine().metrics().blockHits(), "short circuit: the gateway served nothing");

    try (GranaryClient remote = new GranaryClient("127.0.0.1", server.grpcPort(), KEY, SECRET,
        new GranaryClient.Options(30_000, 1000, false, 60_000))) {
      assertArrayEquals(data, readAll(remote, "/sc/data.bin"));
      assertTrue(server.engine().metrics().blockHits() >= hits + 4, "network reads served by the gateway");
      try (SeekableByteChannel ch = remote.openChannel("/sc/data.bin")) {
        ByteBuffer buf = ByteBuffer.allocate(100);
        ch.position(1024 * 1024 - 50);
        while (buf.hasRemaining() && ch.read(buf) > 0) {
          // fill across the block boundary
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1024 * 1024 - 50, 1024 * 1024 + 50), buf.array());
      }
    }

    client.open("/sc/data.bin"); // block list with local paths, cached by the client
    server.engine().free("/sc/data.bin"); // evicted behind the client's back
    long opens = server.engine().ufsOpens();
    assertArrayEquals(data, readAll(client, "/sc/data.bin"), "falls back to the network when the block file is gone");
    assertTrue(server.engine().ufsOpens() > opens, "the gateway fetched the evicted blocks again");
  }

  @Test
  void anAbortedWriteLeavesNoFile() throws Exception {
    var out = client.create("/abort/partial.bin", null, true, -1);
    out.write(bytes(3 * 1024 * 1024, 9));
    out.abort();
    long deadline = System.currentTimeMillis() + 10_000;
    GranaryClientException gone = null;
    while (gone == null && System.currentTimeMillis() < deadline) {
      try {
        client.stat("/abort/partial.bin");
      } catch (GranaryClientException e) {
        gone = e;
      }
    }
    assertEquals(GrpcStatus.NOT_FOUND, gone.status());
    assertTrue(gone.getMessage().startsWith("NOT_FOUND: "), gone.getMessage());
  }

  @Test
  void readBlockStreamsChunksOverGrpc() throws Exception {
    byte[] data = bytes(2 * 1024 * 1024 + 5, 4);
    write("/rb/f.bin", data, null);
    assertArrayEquals(data, client.readBlockRpc("/rb/f.bin", 0, data.length, 1 << 20));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 1100), client.readBlockRpc("/rb/f.bin", 100, 1000, 256));
  }

  /**
   * Streamed answers must reach the caller however its thread is scheduled: a listing's only page
   * and its end can arrive before the calling thread has run again, and the SDK once lost them
   * then (a CLI {@code get -R} waited for its timeout in CI). Fresh clients from many threads on a
   * machine kept busy by spinning threads make that schedule happen now and then: the SDK before
   * the fix failed this test in about one run of ten here (2 of 19), with the error CI had shown.
   */
  @Test
  void streamedAnswersArriveHoweverTheCallerIsScheduled() throws Exception {
    client.mkdir("/many-lists", true);
    for (int i = 0; i < 3; i++) {
      write("/many-lists/f" + i, bytes(10, i), null);
    }
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> spinners = new ArrayList<>();
    for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
      spinners.add(Thread.ofPlatform().start(() -> {
        while (!stop.get()) {
          Thread.onSpinWait(); // stays runnable: the callers compete with it for the cores
        }
      }));
    }
    var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
    try {
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        callers.add(Thread.ofPlatform().start(() -> {
          try (GranaryClient c = new GranaryClient("127.0.0.1", server.grpcPort(), KEY, SECRET,
              new GranaryClient.Options(0, 1, false, 10_000))) {
            for (int i = 0; i < 300; i++) {
              assertEquals(3, c.list("/many-lists").size());
              assertEquals(3, c.list("/many-lists", "", 10).size());
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }
      for (Thread c : callers) {
        c.join();
      }
    } finally {
      stop.set(true);
      for (Thread s : spinners) {
        s.join();
      }
    }
    assertTrue(failures.isEmpty(), () -> failures.size() + " callers failed, first: " + failures.peek());
  }

  @Test
  void mountsLoadsPinsFreesAndReports() throws Exception {
    Path ds = Files.createDirectories(dir.resolve("dataset/train"));
    for (int i = 0; i < 12; i++) {
      Files.write(ds.resolve("img" + i + ".jpg"), bytes(150_000, 100 + i));
    }
    client.mount("/datasets", "file://" + dir.resolve("dataset"), Map.of("read-type", "CACHE", "sync-interval", "-1"));
    assertTrue(client.mounts().stream().anyMatch(m -> m.getPath().equals("/datasets")));
    List<LoadProgress> progress = new ArrayList<>();
    LoadProgress last = client.load("/datasets", true, 4, progress::add);
    assertTrue(last.getDone());
    assertEquals(12, last.getFilesTotal());
    assertEquals(12, last.getFilesDone());
    assertEquals(0, last.getFilesFailed());
    assertTrue(progress.size() >= 13, "one message per file and a final one");
    assertEquals(150_000, client.stat("/datasets/train/img3.jpg").getCachedBytes());
    LoadProgress again = client.load("/datasets", true, 4, p -> { });
    assertEquals(12, again.getFilesSkipped(), "already cached files are skipped");

    client.pin("/datasets/train/img0.jpg", true);
    assertTrue(client.stat("/datasets/train/img0.jpg").getPinned());
    assertTrue(client.free("/datasets/train/img1.jpg") > 0);
    assertEquals(0, client.stat("/datasets/train/img1.jpg").getCachedBytes());
    var report = client.report();
    assertFalse(report.getTiersList().isEmpty());
    assertTrue(report.getUfsBytesRead() >= 12 * 150_000);

    client.setTtl("/datasets/train/img2.jpg", 1, "DELETE");
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline && server.engine().expireTtls() == 0) {
      Thread.onSpinWait();
    }
    assertEquals(GrpcStatus.NOT_FOUND, assertThrows(GranaryClientException.class,
        () -> client.stat("/datasets/train/img2.jpg")).status());
    client.unmount("/datasets");
    assertEquals(GrpcStatus.NOT_FOUND, assertThrows(GranaryClientException.class, () -> client.stat("/datasets")).status());
  }
}
