package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.s3.S3UnderStorage;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stores that are down, silent or failing: every call ends, in bounded time, with the right kind,
 * after exactly the configured retries for outages and none for refusals.
 */
class UnderStorageOutageTest {
  private static final int RETRIES = 2;
  private static final Duration BOUND = Duration.ofSeconds(30);

  private Vertx vertx;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static Map<String, String> fastFailing(URI endpoint) {
    return Map.of(
        "endpoint", endpoint.toString(),
        "connect-timeout-ms", "500",
        "request-timeout-ms", "700",
        "retries", String.valueOf(RETRIES),
        "retry-base-ms", "10");
  }

  @Test
  void s3OnAClosedPortIsUnavailableAfterRetries() throws Exception {
    assertUnavailable("s3://bucket/p", closedPort(), null);
  }

  @Test
  void ossOnAClosedPortIsUnavailableAfterRetries() throws Exception {
    assertUnavailable("oss://bucket/p", closedPort(), null);
  }

  @Test
  void s3OnAServerThatNeverAnswersIsUnavailableAfterRetries() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      assertUnavailable("s3://bucket/p", silent.endpoint(), silent);
    }
  }

  @Test
  void ossOnAServerThatNeverAnswersIsUnavailableAfterRetries() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      assertUnavailable("oss://bucket/p", silent.endpoint(), silent);
    }
  }

  @Test
  void serverErrorsAreRetriedThenUnavailable() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    URI endpoint = fakeStore(requests, 503, "ServiceUnavailable");
    for (String uri : List.of("s3://bucket/p", "oss://bucket/p")) {
      requests.set(0);
      try (MeteredUnderStorage ufs = UnderStorages.create(uri, fastFailing(endpoint))) {
        UnderStorageException e = assertThrows(UnderStorageException.class, () -> ufs.stat("x"));
        assertEquals(Kind.UNAVAILABLE, e.kind(), uri + ": " + e.getMessage());
        assertEquals(RETRIES + 1, requests.get(), uri);
      }
    }
  }

  @Test
  void refusalsAreNotRetried() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    URI endpoint = fakeStore(requests, 403, "AccessDenied");
    for (String uri : List.of("s3://bucket/p", "oss://bucket/p")) {
      requests.set(0);
      try (MeteredUnderStorage ufs = UnderStorages.create(uri, fastFailing(endpoint))) {
        UnderStorageException e = assertThrows(UnderStorageException.class,
            () -> ufs.put("x", new ByteArrayInputStream(new byte[10]), 10));
        assertEquals(Kind.ACCESS_DENIED, e.kind(), uri + ": " + e.getMessage());
        assertEquals(1, requests.get(), uri);
      }
    }
  }

  @Test
  void backoffGrowsExponentiallyWithoutSleepingInTests() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    URI endpoint = fakeStore(requests, 500, "InternalError");
    List<Duration> waits = new CopyOnWriteArrayList<>();
    Map<String, String> options = new HashMap<>(fastFailing(endpoint));
    options.put("retries", "0");
    try (UnderStorage connector = new S3UnderStorage(URI.create("s3://bucket/p"), options);
        UnderStorage retrying = new RetryingUnderStorage(connector, 4, Duration.ofMillis(100), waits::add)) {
      UnderStorageException e = assertThrows(UnderStorageException.class, () -> retrying.list("", null, 10));
      assertEquals(Kind.UNAVAILABLE, e.kind());
    }
    assertEquals(5, requests.get());
    assertEquals(4, waits.size());
    List<Long> ceilings = List.of(100L, 200L, 400L, 800L);
    for (int i = 0; i < waits.size(); i++) {
      long ms = waits.get(i).toMillis();
      assertTrue(ms >= ceilings.get(i) / 2 && ms <= ceilings.get(i), "wait " + i + " was " + ms + " ms");
    }
  }

  @Test
  void aPutWhoseDataFailsClosesItsConnection() throws Exception {
    int size = 64 * 1024;
    for (String uri : List.of("s3://bucket/p", "oss://bucket/p")) {
      try (DrainingServer server = new DrainingServer()) {
        Map<String, String> patient = new HashMap<>(fastFailing(server.endpoint()));
        patient.put("request-timeout-ms", "60000");
        try (MeteredUnderStorage ufs = UnderStorages.create(uri, patient)) {
          UnderStorageException e = assertThrows(UnderStorageException.class,
              () -> ufs.put("x", new UnderStorageContractTest.FailingInputStream(new byte[size], size / 2), size));
          assertEquals(Kind.OTHER, e.kind(), uri + ": " + e.getMessage());
          // Without the close the store would wait for the rest of the body until its idle timeout.
          long received = server.endOfRequest.get(10, TimeUnit.SECONDS);
          assertTrue(received < size, uri + ": received " + received);
        }
      }
    }
  }

  /** Each call fails UNAVAILABLE in bounded time; against a silent server, after one connection per attempt. */
  private void assertUnavailable(String uri, URI endpoint, SilentServer silent) throws InterruptedException {
    try (MeteredUnderStorage ufs = UnderStorages.create(uri, fastFailing(endpoint))) {
      List<Function<UnderStorage, Object>> calls = new ArrayList<>();
      calls.add(u -> u.stat("x"));
      calls.add(u -> u.list("", null, 10));
      calls.add(u -> u.open("x", 0, -1));
      for (Function<UnderStorage, Object> call : calls) {
        UnderStorageException e = assertTimeoutPreemptively(BOUND,
            () -> assertThrows(UnderStorageException.class, () -> call.apply(ufs)));
        assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains((RETRIES + 1) + " attempts"), e.getMessage());
        if (silent != null) {
          assertTrue(silent.connections.tryAcquire(RETRIES + 1, 10, TimeUnit.SECONDS), "a connection per attempt");
          assertEquals(0, silent.connections.availablePermits(), "no more connections than attempts");
        }
      }
    }
  }

  /** An HTTP server that answers every request with {@code status} and an S3/OSS error body. */
  private URI fakeStore(AtomicInteger requests, int status, String code) throws Exception {
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
        + "</Message><RequestId>fake</RequestId><HostId>fake</HostId></Error>";
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> request.body().onComplete(ignored -> {
          requests.incrementAndGet();
          request.response().setStatusCode(status).putHeader("Content-Type", "application/xml").end(body);
        }))
        .listen()
        .await(30, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  private static URI closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  /** Accepts one connection, reads it to the end and never answers; reports the bytes read. */
  private static final class DrainingServer implements AutoCloseable {
    final CompletableFuture<Long> endOfRequest = new CompletableFuture<>();
    private final ServerSocket socket;

    DrainingServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread reader = new Thread(() -> {
        try (Socket connection = socket.accept(); InputStream in = connection.getInputStream()) {
          long total = 0;
          byte[] buffer = new byte[8192];
          for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
          }
          endOfRequest.complete(total);
        } catch (IOException e) {
          endOfRequest.completeExceptionally(e);
        }
      }, "draining-server");
      reader.setDaemon(true);
      reader.start();
    }

    URI endpoint() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Accepts connections and never writes a byte. */
  private static final class SilentServer implements AutoCloseable {
    final Semaphore connections = new Semaphore(0);
    private final ServerSocket socket;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(socket.accept());
            connections.release();
          }
        } catch (IOException e) {
          // closed
        }
      }, "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    URI endpoint() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws Exception {
      socket.close();
      for (Socket s : accepted) {
        s.close();
      }
      acceptor.join(10_000);
    }
  }
}
