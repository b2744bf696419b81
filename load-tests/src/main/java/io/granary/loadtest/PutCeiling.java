package io.granary.loadtest;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.transport.Transport;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The PUT ceiling of this machine for the S3 benchmark: an HTTP endpoint that stores nothing.
 * Every PUT body is read and MD5-hashed on the event loop (the ETag every S3 server must compute)
 * and answered 200 with that ETag; every other request is answered 200 with no body. No
 * authentication, no disk, no metadata: what {@code S3Bench --workloads put-small} measures against
 * it is the cost of the driver, HTTP on loopback and the MD5, which any S3 server pays on top of
 * storing the object. Run by {@code load-tests/s3-bench.sh}, or by hand:
 *
 * <pre>
 * java -cp 'load-tests/target/classes:load-tests/target/lib/*' io.granary.loadtest.PutCeiling [--port P] [--event-loops N]
 * </pre>
 *
 * Prints {@code listening on PORT} to stdout once it accepts connections.
 */
public final class PutCeiling {

  private PutCeiling() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    int loops = Runtime.getRuntime().availableProcessors();
    try {
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        switch (args[i]) {
          case "--port" -> port = Integer.parseInt(args[i + 1]);
          case "--event-loops" -> loops = Integer.parseInt(args[i + 1]);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (port < 0 || port > 65535 || loops < 1) {
        throw new IllegalArgumentException("--port must be 0-65535 and --event-loops at least 1");
      }
    } catch (RuntimeException e) { // a bad number, a missing value or an unknown option
      System.err.println("PutCeiling: " + e.getMessage() + "\nusage: PutCeiling [--port P] [--event-loops N]");
      System.exit(2);
    }
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(loops))
        .withTransport(Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO)
        .build();
    AtomicLong puts = new AtomicLong();
    HttpServerOptions http = new HttpServerOptions().setPort(port).setHost("127.0.0.1");
    AtomicInteger bound = new AtomicInteger();
    // one deployment of a server instance per event loop sharing the port, as Granary's S3 listener
    try {
      vertx.deployVerticle(() -> (Deployable) context -> context.owner().createHttpServer(http)
              .requestHandler(req -> handle(req, puts))
              .listen()
              .onSuccess(s -> bound.set(s.actualPort())),
          new DeploymentOptions().setInstances(loops)).await();
    } catch (RuntimeException e) {
      System.err.println("PutCeiling: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
      System.exit(1); // Vert.x's threads would keep the JVM alive
    }
    System.out.println("listening on " + bound.get());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("PutCeiling: " + puts.get() + " PUTs")));
    Thread.currentThread().join();
  }

  private static void handle(HttpServerRequest req, AtomicLong puts) {
    if (req.method() != HttpMethod.PUT) {
      req.response().end();
      return;
    }
    MessageDigest md5 = md5();
    req.handler((Buffer b) -> md5.update(b.getBytes()));
    req.endHandler(v -> {
      puts.incrementAndGet();
      req.response().putHeader("ETag", "\"" + HexFormat.of().formatHex(md5.digest()) + "\"").end();
    });
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
