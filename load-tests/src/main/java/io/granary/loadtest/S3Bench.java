package io.granary.loadtest;

import static io.granary.loadtest.BenchSupport.MIB;
import static io.granary.loadtest.BenchSupport.message;
import static io.granary.loadtest.BenchSupport.percentile;
import static io.granary.loadtest.BenchSupport.result;
import static io.granary.loadtest.BenchSupport.sleepWatching;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.transport.Transport;
import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Closed-loop S3 load driver for the Granary-vs-s3proxy benchmark (issue 3). Not a test: run by
 * {@code load-tests/s3-bench.sh}, or by hand:
 *
 * <pre>
 * java -cp 'load-tests/target/classes:load-tests/target/lib/*' io.granary.loadtest.S3Bench \
 *   --endpoint http://127.0.0.1:9000 --access-key AK --secret-key SK \
 *   --workloads get-large,get-small,put-small,list --seconds 20 --warmup 5
 * </pre>
 *
 * <p>Every request is SigV4-signed ({@code UNSIGNED-PAYLOAD}) and every response checked (status
 * 200 and byte count); the first failure stops the run with exit status 1. Results are printed to
 * stdout as {@code RESULT <name> <value>} lines; progress goes to stderr.
 *
 * <p>Workloads (each creates what it needs first):
 * <ul>
 *   <li>{@code get-large}: one 64 MiB object, PUT then read once (so a caching gateway holds it),
 *       then S streams GET it back to back for each S in {@code --large-streams}; MiB/s. Uses a
 *       blocking keep-alive socket per stream reading into a reused 32 KiB direct buffer
 *       ({@code --large-client raw}, default) or the Vert.x client ({@code vertx}).
 *   <li>{@code get-small}: {@code --small-objects} objects of {@code --small-size} bytes, random
 *       GETs at {@code --concurrency}; req/s, p50, p99.
 *   <li>{@code put-small}: PUTs of {@code --small-size} bytes at {@code --concurrency} over a key
 *       space of {@code --put-keys} keys; req/s, p50, p99.
 *   <li>{@code list}: {@code --list-keys} objects of {@code --list-object-size} bytes
 *       (default 1) in their own bucket; full ListObjectsV2
 *       pagination with {@code max-keys=--list-page}, one after another; median time, listings/s.
 * </ul>
 */
public final class S3Bench implements AutoCloseable {
  private final Options o;
  private final String host;
  private final int port;
  private final SigV4Signer signer;
  private final Vertx vertx;
  private final HttpClientAgent client;

  S3Bench(Options o) {
    this.o = o;
    URI uri = URI.create(o.endpoint);
    this.host = uri.getHost();
    this.port = uri.getPort() > 0 ? uri.getPort() : 80;
    this.signer = new SigV4Signer(o.accessKey, o.secretKey, o.region, host + ":" + port);
    this.vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(o.eventLoops))
        .withTransport(Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO)
        .build();
    int maxConns = Math.max(o.concurrency, Arrays.stream(o.largeStreams).max().orElse(1)) + 4;
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setMaxInitialLineLength(8192),
        new PoolOptions().setHttp1MaxSize(maxConns).setEventLoopSize(o.eventLoops));
  }

  public static void main(String[] args) {
    Options o = BenchSupport.parseOrExit("S3Bench", Options.USAGE, Options::parse, args);
    int rc = 0;
    try (S3Bench bench = new S3Bench(o)) {
      bench.run();
    } catch (Throwable t) {
      System.err.println("S3Bench: FAILED against " + o.endpoint + ": " + message(t));
      rc = 1;
    }
    System.out.flush();
    System.exit(rc);
  }

  void run() throws Exception {
    log("endpoint %s, client: %s, %d event loop(s), Vert.x HttpClient + raw sockets for get-large=%s",
        o.endpoint, Transport.EPOLL.available() ? "epoll" : "nio", o.eventLoops, o.largeClient);
    createBuckets();
    for (String w : o.workloads) {
      switch (w) {
        case "get-large" -> getLarge();
        case "get-small" -> getSmall();
        case "put-small" -> putSmall();
        case "list" -> list();
        default -> throw new IllegalArgumentException("unknown workload " + w);
      }
    }
  }

  // ---------------------------------------------------------------- setup

  private void createBuckets() {
    try (S3Client s3 = S3Client.builder()
        .endpointOverride(URI.create(o.endpoint))
        .region(Region.of(o.region))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(o.accessKey, o.secretKey)))
        .forcePathStyle(true)
        .httpClient(UrlConnectionHttpClient.create())
        .build()) {
      for (String b : List.of(o.bucket, o.bucket + "-list")) {
        try {
          s3.createBucket(r -> r.bucket(b));
        } catch (BucketAlreadyOwnedByYouException e) {
          // a rerun against the same server
        } catch (S3Exception e) {
          if (e.statusCode() != 409) {
            throw e;
          }
        }
        s3.headBucket(r -> r.bucket(b));
      }
    }
  }

  /** PUTs {@code n} objects named by {@code key} with {@code body}, {@code --concurrency} at a time. */
  private void putAll(String bucket, int n, IntFunction<String> key, Buffer body) throws Exception {
    long t0 = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int slots = Math.min(o.concurrency, n);
    CountDownLatch done = new CountDownLatch(slots);
    for (int s = 0; s < slots; s++) {
      putNext(bucket, key, body, n, next, failure, done);
    }
    if (!done.await(600, TimeUnit.SECONDS)) {
      throw new IOException("setup PUTs did not finish in 600 s");
    }
    if (failure.get() != null) {
      throw new IOException("setup: " + message(failure.get()), failure.get());
    }
    log("  setup: %d objects of %d bytes into %s in %.1f s", n, body.length(), bucket, (System.nanoTime() - t0) / 1e9);
  }

  private void putNext(String bucket, IntFunction<String> key, Buffer body, int n, AtomicInteger next,
      AtomicReference<Throwable> failure, CountDownLatch done) {
    int i = next.getAndIncrement();
    if (i >= n || failure.get() != null) {
      done.countDown();
      return;
    }
    exchange(HttpMethod.PUT, objectPath(bucket, key.apply(i)), Map.of(), body, -1).onComplete(ar -> {
      if (ar.failed()) {
        failure.compareAndSet(null, ar.cause());
      }
      putNext(bucket, key, body, n, next, failure, done);
    });
  }

  // ---------------------------------------------------------------- workloads

  private void getLarge() throws Exception {
    long size = o.largeSize;
    String path = objectPath(o.bucket, "large/object-" + size);
    log("get-large: PUT %d MiB, then GET it once", size >> 20);
    Buffer body = randomBuffer((int) size, 1);
    await(exchange(HttpMethod.PUT, path, Map.of(), body, -1), 300);
    body = null;
    await(exchange(HttpMethod.GET, path, Map.of(), null, size), 300);
    for (int streams : o.largeStreams) {
      LongAdder bytes = new LongAdder();
      LongAdder requests = new LongAdder();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Loop loop = new Loop();
      CountDownLatch done = new CountDownLatch(streams);
      for (int s = 0; s < streams; s++) {
        if (o.largeClient.equals("raw")) {
          Thread.ofPlatform().daemon().name("get-large-" + s).start(() -> {
            try (RawGetConnection c = new RawGetConnection(host, port)) {
              while (!loop.stopped() && failure.get() == null) {
                c.get(signer, path, size, bytes);
                requests.increment();
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            } finally {
              done.countDown();
            }
          });
        } else {
          vertxLargeNext(path, size, bytes, requests, loop, failure, done);
        }
      }
      Window w = loop.measure(failure, bytes, requests);
      awaitSlots(done, failure, "get-large");
      double mibps = w.bytes / MIB / w.seconds;
      log("get-large: %d stream(s): %.1f MiB/s (%d GETs of %d MiB in %.1f s)", streams, mibps, w.requests, size >> 20, w.seconds);
      result("get_large_mibps_s" + streams, mibps);
      result("get_large_gets_s" + streams, w.requests);
    }
  }

  private void vertxLargeNext(String path, long size, LongAdder bytes, LongAdder requests, Loop loop,
      AtomicReference<Throwable> failure, CountDownLatch done) {
    if (loop.stopped() || failure.get() != null) {
      done.countDown();
      return;
    }
    exchange(HttpMethod.GET, path, Map.of(), null, size, bytes).onComplete(ar -> {
      if (ar.failed()) {
        failure.compareAndSet(null, ar.cause());
      } else {
        requests.increment();
      }
      vertxLargeNext(path, size, bytes, requests, loop, failure, done);
    });
  }

  private void getSmall() throws Exception {
    int n = o.smallObjects;
    log("get-small: %d objects of %d bytes", n, o.smallSize);
    putAll(o.bucket, n, i -> smallKey(i), randomBuffer(o.smallSize, 2));
    Closed r = closedLoop("get-small", o.concurrency, (slot, seq) ->
        exchange(HttpMethod.GET, objectPath(o.bucket, smallKey(ThreadLocalRandom.current().nextInt(n))), Map.of(), null, o.smallSize));
    report("get-small", r);
  }

  private void putSmall() throws Exception {
    Buffer body = randomBuffer(o.smallSize, 3);
    AtomicInteger keys = new AtomicInteger();
    log("put-small: %d-byte PUTs over %d keys", o.smallSize, o.putKeys);
    Closed r = closedLoop("put-small", o.concurrency, (slot, seq) ->
        exchange(HttpMethod.PUT, objectPath(o.bucket, String.format("put/p-%06d", Math.floorMod(keys.getAndIncrement(), o.putKeys))),
            Map.of(), body, -1));
    report("put-small", r);
  }

  /** The log line and the {@code _rps}, {@code _p50_ms} and {@code _p99_ms} results of get-small or put-small. */
  private void report(String name, Closed r) {
    log("%s: %.0f req/s (%.1f MiB/s), p50 %.2f ms, p99 %.2f ms, %d requests, concurrency %d",
        name, r.rate, r.rate * o.smallSize / MIB, r.p50, r.p99, r.window.requests, o.concurrency);
    String key = name.replace('-', '_');
    result(key + "_rps", r.rate);
    result(key + "_p50_ms", r.p50);
    result(key + "_p99_ms", r.p99);
  }

  private void list() throws Exception {
    String bucket = o.bucket + "-list";
    log("list: %d keys in %s, pages of %d", o.listKeys, bucket, o.listPage);
    putAll(bucket, o.listKeys, S3Bench::listKey, randomBuffer(o.listObjectSize, 4));
    int total = o.listWarmup + o.listReps;
    double[] ms = new double[o.listReps];
    int pages = 0;
    long measureStart = 0;
    long deadline = 0;
    int done = 0;
    for (int rep = 0; rep < total; rep++) {
      if (rep == o.listWarmup) {
        measureStart = System.nanoTime();
        deadline = measureStart + (long) (o.listMaxSeconds * 1e9);
      }
      long t0 = System.nanoTime();
      int p = listOnce(bucket);
      long t1 = System.nanoTime();
      if (rep >= o.listWarmup) {
        ms[done++] = (t1 - t0) / 1e6;
        pages += p;
        if (t1 > deadline && done >= 3) {
          break;
        }
      }
    }
    double seconds = (System.nanoTime() - measureStart) / 1e9;
    double[] got = Arrays.copyOf(ms, done);
    Arrays.sort(got);
    double median = got[got.length / 2];
    log("list: %d full listings of %d keys: median %.1f ms, min %.1f ms, max %.1f ms; %.2f listings/s, %.1f pages/s",
        done, o.listKeys, median, got[0], got[got.length - 1], done / seconds, pages / seconds);
    result("list_median_ms", median);
    result("list_min_ms", got[0]);
    result("list_per_s", done / seconds);
    result("list_pages_per_s", pages / seconds);
  }

  /** One full ListObjectsV2 pagination; checks every key arrives once, in order. Returns the page count. */
  private int listOnce(String bucket) throws Exception {
    String token = null;
    int keys = 0;
    int pages = 0;
    String last = "";
    while (true) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("list-type", "2");
      params.put("max-keys", Integer.toString(o.listPage));
      if (token != null) {
        params.put("continuation-token", token);
      }
      String xml = await(text(HttpMethod.GET, "/" + bucket, params), 120);
      pages++;
      int pageKeys = 0;
      for (int i = xml.indexOf("<Key>"); i >= 0; i = xml.indexOf("<Key>", i + 5)) {
        String key = unescape(xml.substring(i + 5, xml.indexOf("</Key>", i)));
        if (key.compareTo(last) <= 0) {
          throw new IOException("list: key " + key + " after " + last);
        }
        last = key;
        pageKeys++;
      }
      if (pageKeys > o.listPage) {
        throw new IOException("list: page of " + pageKeys + " keys, asked for at most " + o.listPage);
      }
      keys += pageKeys;
      boolean truncated = xml.contains("<IsTruncated>true</IsTruncated>");
      if (!truncated) {
        break;
      }
      token = element(xml, "NextContinuationToken");
      if (token == null || pageKeys == 0) {
        throw new IOException("list: truncated page without NextContinuationToken (or empty)");
      }
    }
    if (keys != o.listKeys) {
      throw new IOException("list: " + keys + " keys listed, expected " + o.listKeys);
    }
    return pages;
  }

  // ---------------------------------------------------------------- closed loop

  interface Op {
    Future<Long> start(int slot, long seq);
  }

  record Closed(Window window, double rate, double p50, double p99) {}

  /**
   * Runs {@code concurrency} slots, each issuing the next request when the previous one answers,
   * for warm-up then the measured window; latencies count for requests that start and finish
   * inside the window.
   */
  private Closed closedLoop(String name, int concurrency, Op op) throws Exception {
    Loop loop = new Loop();
    LongAdder completed = new LongAdder();
    LongAdder bytes = new LongAdder();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(concurrency);
    LongList[] lat = new LongList[concurrency];
    for (int s = 0; s < concurrency; s++) {
      lat[s] = new LongList();
      slotNext(op, s, 0, loop, completed, bytes, lat[s], failure, done);
    }
    Window w = loop.measure(failure, bytes, completed);
    awaitSlots(done, failure, name);
    LongList all = new LongList();
    for (LongList l : lat) {
      all.addAll(l);
    }
    if (all.size == 0) {
      throw new IOException(name + ": no request completed inside the measured window");
    }
    long[] sorted = Arrays.copyOf(all.a, all.size);
    Arrays.sort(sorted);
    return new Closed(w, w.requests / w.seconds, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6);
  }

  private void slotNext(Op op, int slot, long seq, Loop loop, LongAdder completed, LongAdder bytes, LongList lat,
      AtomicReference<Throwable> failure, CountDownLatch done) {
    if (loop.stopped() || failure.get() != null) {
      done.countDown();
      return;
    }
    long t0 = System.nanoTime();
    Future<Long> f;
    try {
      f = op.start(slot, seq);
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
      done.countDown();
      return;
    }
    f.onComplete(ar -> {
      long t1 = System.nanoTime();
      if (ar.failed()) {
        failure.compareAndSet(null, ar.cause());
      } else {
        completed.increment();
        bytes.add(ar.result());
        if (loop.inWindow(t0, t1)) {
          lat.add(t1 - t0);
        }
      }
      slotNext(op, slot, seq + 1, loop, completed, bytes, lat, failure, done);
    });
  }

  record Window(double seconds, long bytes, long requests) {}

  /** Warm-up, then a measured window; counters are snapshotted at both ends of the window. */
  private final class Loop {
    private volatile boolean stop;
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    boolean stopped() {
      return stop;
    }

    boolean inWindow(long t0, long t1) {
      return t0 >= windowStart && t1 <= windowEnd;
    }

    Window measure(AtomicReference<Throwable> failure, LongAdder bytes, LongAdder requests) throws Exception {
      try {
        sleepWatching(o.warmup, failure);
        long b0 = bytes.sum();
        long r0 = requests.sum();
        windowStart = System.nanoTime();
        sleepWatching(o.seconds, failure);
        long t1 = System.nanoTime();
        long b1 = bytes.sum();
        long r1 = requests.sum();
        windowEnd = t1;
        return new Window((t1 - windowStart) / 1e9, b1 - b0, r1 - r0);
      } finally {
        stop = true;
      }
    }
  }

  private static void awaitSlots(CountDownLatch done, AtomicReference<Throwable> failure, String name) throws Exception {
    if (!done.await(120, TimeUnit.SECONDS)) {
      throw new IOException(name + ": requests still running 120 s after the window closed");
    }
    if (failure.get() != null) {
      throw new IOException(name + ": " + message(failure.get()), failure.get());
    }
  }

  // ---------------------------------------------------------------- HTTP

  private Future<Long> exchange(HttpMethod method, String path, Map<String, String> params, Buffer body, long expected) {
    return exchange(method, path, params, body, expected, null);
  }

  /**
   * One signed request. Fails unless the status is 200 and, when {@code expected >= 0}, the body is
   * exactly that long (Content-Length and bytes received). Yields the body bytes received.
   */
  private Future<Long> exchange(HttpMethod method, String path, Map<String, String> params, Buffer body,
      long expected, LongAdder live) {
    RequestOptions ro = request(method, path, params);
    if (body != null) {
      ro.putHeader("Content-Length", Integer.toString(body.length()));
    }
    if (method == HttpMethod.PUT && o.putWriteType != null) {
      ro.putHeader("x-granary-write-type", o.putWriteType); // Granary only; other servers ignore it
    }
    String what = method + " " + path;
    return client.request(ro).compose(req -> (body == null ? req.send() : req.send(body)).compose(resp -> {
      if (resp.statusCode() != 200) {
        return resp.body().transform(b -> Future.failedFuture(new IOException(what + ": HTTP " + resp.statusCode() + " "
            + (b.succeeded() ? abbreviate(b.result().toString()) : ""))));
      }
      if (expected >= 0) {
        String cl = resp.getHeader("Content-Length");
        if (cl == null || Long.parseLong(cl.trim()) != expected) {
          return Future.failedFuture(new IOException(what + ": Content-Length " + cl + ", expected " + expected));
        }
      }
      long[] n = {0};
      resp.handler(b -> {
        n[0] += b.length();
        if (live != null) {
          live.add(b.length());
        }
      });
      return resp.end().compose(v -> expected >= 0 && n[0] != expected
          ? Future.failedFuture(new IOException(what + ": " + n[0] + " body bytes, expected " + expected))
          : Future.succeededFuture(n[0]));
    }));
  }

  /** A signed GET whose 200 body is returned as text. */
  private Future<String> text(HttpMethod method, String path, Map<String, String> params) {
    String what = method + " " + path + " " + params;
    return client.request(request(method, path, params)).compose(req -> req.send().compose(resp ->
        resp.body().compose(b -> resp.statusCode() == 200
            ? Future.succeededFuture(b.toString())
            : Future.failedFuture(new IOException(what + ": HTTP " + resp.statusCode() + " " + abbreviate(b.toString()))))));
  }

  private RequestOptions request(HttpMethod method, String path, Map<String, String> params) {
    String query = SigV4Signer.canonicalQuery(params);
    RequestOptions ro = new RequestOptions()
        .setMethod(method)
        .setHost(host)
        .setPort(port)
        .setURI(query.isEmpty() ? path : path + "?" + query)
        .setConnectTimeout(10_000)
        .setIdleTimeout(60_000);
    signer.sign(method.name(), path, params).forEach(ro::putHeader);
    return ro;
  }

  private static String objectPath(String bucket, String key) {
    return "/" + bucket + "/" + SigV4Signer.uriEncode(key, false);
  }

  private static String smallKey(int i) {
    return String.format("small/obj-%06d", i);
  }

  private static String listKey(int i) {
    return String.format("key-%06d", i);
  }

  // ---------------------------------------------------------------- helpers

  private static <T> T await(Future<T> f, int seconds) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  private static Buffer randomBuffer(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return Buffer.buffer(b);
  }

  private static String element(String xml, String name) {
    int i = xml.indexOf("<" + name + ">");
    if (i < 0) {
      return null;
    }
    int j = xml.indexOf("</" + name + ">", i);
    return unescape(xml.substring(i + name.length() + 2, j));
  }

  private static String unescape(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
        .replace("&#13;", "\r").replace("&#10;", "\n").replace("&amp;", "&");
  }

  private static String abbreviate(String s) {
    s = s.strip().replaceAll("\\s+", " ");
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  private static void log(String format, Object... args) {
    BenchSupport.log("s3bench", format, args);
  }

  @Override
  public void close() {
    try {
      await(client.close(), 10);
      await(vertx.close(), 10);
    } catch (Exception ignored) {
      // exiting anyway
    }
  }

  /** A growable array of longs. */
  static final class LongList {
    long[] a = new long[1024];
    int size;

    void add(long v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    void addAll(LongList o) {
      for (int i = 0; i < o.size; i++) {
        add(o.a[i]);
      }
    }
  }

  // ---------------------------------------------------------------- options

  static final class Options {
    static final String USAGE = """
        usage: S3Bench --endpoint URL --access-key AK --secret-key SK [options]
          --workloads LIST       comma list of get-large,get-small,put-small,list (default: all four)
          --seconds S            measured window per workload (default 20)
          --warmup S             warm-up before each window (default 5)
          --concurrency N        requests in flight for get-small/put-small and setup (default 32)
          --large-streams LIST   streams for get-large, e.g. 1,4 (default 1,4)
          --large-size BYTES     get-large object size (default 67108864)
          --large-client C       raw | vertx (default raw)
          --small-objects N      get-small objects (default 1000)
          --small-size BYTES     get-small/put-small size (default 102400)
          --put-keys N           put-small key space (default 2000)
          --put-write-type T     send x-granary-write-type: T with every PUT (Granary's per-request write type)
          --list-keys N          keys for list (default 10000)
          --list-page N          max-keys per ListObjectsV2 page (default 1000)
          --list-object-size B   size of each listed object (default 1)
          --list-reps N          measured full listings (default 10), after --list-warmup (default 2)
          --list-max-seconds S   stop listing after S seconds once 3 listings are done (default 30)
          --bucket NAME          bucket (default s3bench; list uses NAME-list)
          --region R             SigV4 region (default us-east-1)
          --event-loops N        client event loops (default 1)""";

    String endpoint;
    String accessKey;
    String secretKey;
    String region = "us-east-1";
    String bucket = "s3bench";
    List<String> workloads = List.of("get-large", "get-small", "put-small", "list");
    double seconds = 20;
    double warmup = 5;
    int concurrency = 32;
    int[] largeStreams = {1, 4};
    long largeSize = 64L << 20;
    String largeClient = "raw";
    int smallObjects = 1000;
    int smallSize = 100 * 1024;
    int putKeys = 2000;
    String putWriteType;
    int listKeys = 10_000;
    int listPage = 1000;
    int listReps = 10;
    int listWarmup = 2;
    int listObjectSize = 1;
    double listMaxSeconds = 30;
    int eventLoops = 1;

    static Options parse(String[] args) {
      Options o = new Options();
      BenchSupport.parseOptions(args, (a, v) -> {
        switch (a) {
          case "--endpoint" -> o.endpoint = v;
          case "--access-key" -> o.accessKey = v;
          case "--secret-key" -> o.secretKey = v;
          case "--region" -> o.region = v;
          case "--bucket" -> o.bucket = v;
          case "--workloads" -> o.workloads = List.of(v.split(","));
          case "--seconds" -> o.seconds = Double.parseDouble(v);
          case "--warmup" -> o.warmup = Double.parseDouble(v);
          case "--concurrency" -> o.concurrency = Integer.parseInt(v);
          case "--large-streams" -> o.largeStreams = BenchSupport.intList(v);
          case "--large-size" -> o.largeSize = Long.parseLong(v);
          case "--large-client" -> o.largeClient = v;
          case "--small-objects" -> o.smallObjects = Integer.parseInt(v);
          case "--small-size" -> o.smallSize = Integer.parseInt(v);
          case "--put-keys" -> o.putKeys = Integer.parseInt(v);
          case "--put-write-type" -> o.putWriteType = v;
          case "--list-keys" -> o.listKeys = Integer.parseInt(v);
          case "--list-page" -> o.listPage = Integer.parseInt(v);
          case "--list-reps" -> o.listReps = Integer.parseInt(v);
          case "--list-warmup" -> o.listWarmup = Integer.parseInt(v);
          case "--list-object-size" -> o.listObjectSize = Integer.parseInt(v);
          case "--list-max-seconds" -> o.listMaxSeconds = Double.parseDouble(v);
          case "--event-loops" -> o.eventLoops = Integer.parseInt(v);
          default -> {
            return false;
          }
        }
        return true;
      });
      if (o.endpoint == null || o.accessKey == null || o.secretKey == null) {
        throw new IllegalArgumentException("--endpoint, --access-key and --secret-key are required");
      }
      if (!o.largeClient.equals("raw") && !o.largeClient.equals("vertx")) {
        throw new IllegalArgumentException("--large-client must be raw or vertx");
      }
      BenchSupport.checkWorkloads(o.workloads, List.of("get-large", "get-small", "put-small", "list"));
      if (o.largeSize > Integer.MAX_VALUE - 16 || o.listReps < 1) {
        throw new IllegalArgumentException("--large-size must fit a buffer and --list-reps be >= 1");
      }
      return o;
    }
  }
}
