package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.bodyLength;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.http.client.Request;
import io.gatling.http.client.uri.Uri;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * What the Gatling simulations share: their configuration (system properties), SigV4 signing of
 * every Gatling request with {@link SigV4Signer} ({@code UNSIGNED-PAYLOAD}), the closed-model load
 * and assertions ({@link Sim}), and the setup done in {@code before()} (bucket, objects PUT and
 * read once so the gateway caches them) through a plain JDK {@link HttpClient}, signed the same way.
 *
 * <p>System properties (all optional):
 * <ul>
 *   <li>{@code granary.s3}: endpoint, default {@code http://127.0.0.1:9000} (path-style requests)
 *   <li>{@code granary.accessKey} / {@code granary.secretKey}: default env {@code GRANARY_ACCESS_KEY}
 *       / {@code GRANARY_SECRET_KEY}, else the pair in the file {@code granary.credentials} (e.g.
 *       {@code <data-dir>/credentials}, the key file {@code granary serve} generates)
 *   <li>{@code granary.region} ({@code us-east-1}), {@code granary.bucket} ({@code gatling})
 *   <li>{@code granary.seconds}: duration of the load phase (default 60; the soak has its own)
 *   <li>{@code granary.concurrency}: virtual users in flight (default 32)
 *   <li>{@code granary.maxP99Ms}, {@code granary.minRps}: the percentile and throughput
 *       assertions (each simulation has its own defaults)
 * </ul>
 */
final class GranaryS3 {
  static final int KIB = 1024;
  static final int MIB = 1024 * 1024;

  final String endpoint;
  final String accessKey;
  final String secretKey;
  final String region;
  final String bucket;
  final SigV4Signer signer;
  private final HttpClient setupClient;

  private GranaryS3() {
    this.endpoint = trimSlash(prop("granary.s3", "http://127.0.0.1:9000"));
    URI uri = URI.create(endpoint);
    if (uri.getHost() == null || !"http".equals(uri.getScheme())) {
      throw new IllegalArgumentException("granary.s3 must be http://HOST:PORT, not " + endpoint);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : 80;
    String[] keys = credentials();
    this.accessKey = keys[0];
    this.secretKey = keys[1];
    this.region = prop("granary.region", "us-east-1");
    this.bucket = prop("granary.bucket", "gatling");
    this.signer = new SigV4Signer(accessKey, secretKey, region, uri.getHost() + ":" + port);
    this.setupClient = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  static GranaryS3 fromSystemProperties() {
    return new GranaryS3();
  }

  // ---------------------------------------------------------------- configuration

  static String prop(String name, String def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : v.trim();
  }

  static int intProp(String name, int def) {
    return Integer.parseInt(prop(name, Integer.toString(def)));
  }

  static double doubleProp(String name, double def) {
    return Double.parseDouble(prop(name, Double.toString(def)));
  }

  /** The load phase's duration, {@code granary.seconds} unless {@code specific} is set. */
  static Duration seconds(String specific, int def) {
    return Duration.ofSeconds(intProp(specific, intProp("granary.seconds", def)));
  }

  private static String[] credentials() {
    String ak = prop("granary.accessKey", System.getenv("GRANARY_ACCESS_KEY"));
    String sk = prop("granary.secretKey", System.getenv("GRANARY_SECRET_KEY"));
    if (ak != null && sk != null) {
      return new String[] {ak, sk};
    }
    String file = prop("granary.credentials", null);
    if (file != null) {
      Properties p = new Properties();
      try (var r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read granary.credentials " + file + ": " + e.getMessage(), e);
      }
      ak = p.getProperty("accessKey");
      sk = p.getProperty("secretKey");
      if (ak != null && sk != null) {
        return new String[] {ak, sk};
      }
      throw new IllegalArgumentException(file + " lacks accessKey or secretKey");
    }
    throw new IllegalArgumentException("no credentials: set -Dgranary.accessKey and -Dgranary.secretKey, "
        + "GRANARY_ACCESS_KEY and GRANARY_SECRET_KEY, or -Dgranary.credentials=<data-dir>/credentials");
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  // ---------------------------------------------------------------- Gatling

  /**
   * The HTTP protocol: one connection pool shared by all virtual users (keep-alive, as a data
   * loader's client would), no Gatling cache (no conditional requests), URLs sent exactly as built
   * (paths and queries are already encoded the SigV4 way), and every request signed just before
   * it is sent.
   */
  HttpProtocolBuilder protocol() {
    return http.baseUrl(endpoint)
        .shareConnections()
        .disableCaching()
        .disableWarmUp()
        .disableUrlEncoding()
        .sign(this::sign);
  }

  private Request sign(Request request) {
    Uri uri = request.getUri();
    Map<String, String> headers = signer.sign(request.getMethod().name(), uri.getPath(), queryParams(uri.getQuery()));
    headers.forEach((k, v) -> request.getHeaders().set(k, v));
    return request;
  }

  /** The query's parameters, percent-decoded (the signer encodes them again, canonically). */
  static Map<String, String> queryParams(String query) {
    if (query == null || query.isEmpty()) {
      return Map.of();
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (String part : query.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      params.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return params;
  }

  /** The path of an object, encoded as sent (and signed). */
  String objectPath(String key) {
    return "/" + bucket + "/" + SigV4Signer.uriEncode(key, false);
  }

  /** A ListObjectsV2 request's path and query, encoded as sent (and signed). */
  String listPath(String prefix, int maxKeys) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("list-type", "2");
    params.put("prefix", prefix);
    params.put("max-keys", Integer.toString(maxKeys));
    return "/" + bucket + "?" + SigV4Signer.canonicalQuery(params);
  }

  /**
   * The assertions every simulation makes: not one failed request, the 99th percentile response
   * time under {@code granary.maxP99Ms} (default {@code maxP99Ms}), and more than
   * {@code granary.minRps} requests/s over the run (default {@code minRps}).
   */
  static List<Assertion> assertions(int maxP99Ms, double minRps) {
    return List.of(
        global().failedRequests().count().is(0L),
        global().responseTime().percentile(99.0).lt(intProp("granary.maxP99Ms", maxP99Ms)),
        global().requestsPerSec().gt(doubleProp("granary.minRps", minRps)));
  }

  /**
   * Keys in shuffled epochs: each pass over the key set is a fresh permutation (seeded, so runs
   * repeat), as a training data loader draws samples. Endless; thread-safe.
   */
  static Iterator<Map<String, Object>> shuffledEpochs(List<String> keys, long seed) {
    return new Iterator<>() {
      private final Random random = new Random(seed);
      private final String[] order = keys.toArray(String[]::new);
      private int next = order.length;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public synchronized Map<String, Object> next() {
        if (next == order.length) {
          for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
          next = 0;
        }
        return Map.of("key", order[next++]);
      }
    };
  }

  /** One of {@code keys}, at random. */
  static String randomKey(List<String> keys) {
    return keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
  }

  /** A GET of one object that must answer 200 with exactly {@code size} body bytes. */
  HttpRequestActionBuilder getObject(String name, Function<Session, String> key, int size) {
    return http(name).get(s -> objectPath(key.apply(s)))
        .check(status().is(200), bodyLength().is(size));
  }

  /** A PUT of {@code body} as one object that must answer 200 with an ETag. */
  HttpRequestActionBuilder putObject(String name, Function<Session, String> key, byte[] body) {
    return http(name).put(s -> objectPath(key.apply(s)))
        .body(ByteArrayBody(body))
        .check(status().is(200), header("ETag").exists());
  }

  /**
   * A ListObjectsV2 of one shard's prefix (picked at random), checked: 200, the shard's key count,
   * not truncated.
   */
  ChainBuilder listRandomShard(String name, ShardedKeys set) {
    return exec(session -> {
      int shard = ThreadLocalRandom.current().nextInt(set.shards());
      return session.set("listPrefix", set.prefix(shard)).set("listExpected", Integer.toString(set.count(shard)));
    }).exec(http(name).get(s -> listPath(s.getString("listPrefix"), 1000))
        .check(status().is(200),
            regex("<KeyCount>(\\d+)</KeyCount>").is(s -> s.getString("listExpected")),
            regex("<IsTruncated>false</IsTruncated>").exists()));
  }

  /**
   * {@code objects} keys under {@code base}, spread round-robin over {@code shards} prefixes
   * ({@code base/shard-NN/sample-NNNNNN}), so that a LIST of one prefix returns a known count.
   */
  record ShardedKeys(String base, int objects, int shards) {
    /** A set named after its shape, so sets of other shapes (earlier runs) never share a prefix. */
    static ShardedKeys of(String name, int objects, int size, int shards) {
      return new ShardedKeys(name + "-" + objects + "x" + size + "-" + shards + "shards", objects, shards);
    }

    ShardedKeys {
      if (objects < shards || shards < 1) {
        throw new IllegalArgumentException("need at least one object per shard: " + objects + " objects, " + shards + " shards");
      }
      if (objects / shards + 1 > 1000) {
        throw new IllegalArgumentException("at most 1000 objects per shard (one LIST page): " + objects + " / " + shards);
      }
    }

    String key(int i) {
      return prefix(i % shards) + String.format(Locale.ROOT, "sample-%06d", i);
    }

    String prefix(int shard) {
      return base + String.format(Locale.ROOT, "/shard-%02d/", shard);
    }

    int count(int shard) {
      return objects / shards + (shard < objects % shards ? 1 : 0);
    }

    List<String> keys() {
      return GranaryS3.keys(objects, this::key);
    }
  }

  /**
   * A simulation against Granary: its {@link GranaryS3} from the system properties, a
   * {@code before()} that creates the bucket and then does {@link #prepare}, an {@code after()}
   * that closes the setup client, and the closed-model load of {@link #closedLoad}.
   */
  abstract static class Sim extends Simulation {
    final GranaryS3 s3 = fromSystemProperties();

    /**
     * Sets up the load: {@code concurrency} users run {@code scn} back to back (closed model) for
     * {@code duration} over {@link #protocol()}, stopped at the latest {@code graceSeconds} after
     * it, with the {@link #assertions}. Called from the simulation's initializer.
     */
    final void closedLoad(ScenarioBuilder scn, int concurrency, Duration duration, int graceSeconds, int maxP99Ms,
        double minRps) {
      setUp(scn.injectClosed(constantConcurrentUsers(concurrency).during(duration)))
          .protocols(s3.protocol())
          .maxDuration(duration.plusSeconds(graceSeconds))
          .assertions(assertions(maxP99Ms, minRps));
    }

    /** What {@code before()} does once the bucket exists (nothing unless overridden). */
    void prepare() throws Exception {}

    @Override
    public void before() {
      setup("setup", () -> {
        s3.createBucket();
        prepare();
      });
    }

    @Override
    public void after() {
      s3.close();
    }
  }

  // ---------------------------------------------------------------- setup (before())

  static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static List<String> keys(int n, IntFunction<String> key) {
    List<String> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(key.apply(i));
    }
    return keys;
  }

  /**
   * {@code n} keys {@code name-SIZE/object-I}, named after their objects' size so that sets of
   * other sizes (earlier runs) never share a key.
   */
  static List<String> objectKeys(String name, int n, int size) {
    return keys(n, i -> name + "-" + size + "/object-" + i);
  }

  /** Setup work that may throw anything. */
  interface Setup {
    void run() throws Exception;
  }

  /** Runs {@code before()} work; a failure stops the simulation before any load. */
  static void setup(String what, Setup setup) {
    try {
      setup.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
    }
  }

  /** Creates the bucket; one that already exists (and is ours) is fine. */
  void createBucket() throws IOException, InterruptedException {
    HttpResponse<String> r = send("PUT", "/" + bucket, HttpRequest.BodyPublishers.noBody(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200 && !(r.statusCode() == 409 && r.body().contains("BucketAlreadyOwnedByYou"))) {
      throw new IOException("CreateBucket " + bucket + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  /**
   * PUTs {@code body} under every key, then GETs each once (so a caching gateway holds it) and
   * checks the bytes received, {@code parallel} requests at a time.
   */
  void putAndReadOnce(List<String> keys, byte[] body, int parallel) throws Exception {
    long t0 = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, keys.size())))) {
      List<Future<?>> futures = new ArrayList<>();
      for (String key : keys) {
        futures.add(pool.submit(() -> {
          put(key, body);
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      futures.clear();
      for (String key : keys) {
        futures.add(pool.submit(() -> {
          readOnce(key, body.length);
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    System.out.printf(Locale.ROOT, "setup: %d objects of %d bytes PUT and read once in %s (%.1f s)%n",
        keys.size(), body.length, bucket, (System.nanoTime() - t0) / 1e9);
  }

  void put(String key, byte[] body) throws IOException, InterruptedException {
    HttpResponse<String> r = send("PUT", objectPath(key), HttpRequest.BodyPublishers.ofByteArray(body),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("PUT " + key + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  void readOnce(String key, long size) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send("GET", objectPath(key), HttpRequest.BodyPublishers.noBody(),
        HttpResponse.BodyHandlers.ofInputStream());
    long n;
    try (InputStream in = r.body()) {
      n = in.transferTo(OutputStream.nullOutputStream());
    }
    if (r.statusCode() != 200 || n != size) {
      throw new IOException("GET " + key + ": HTTP " + r.statusCode() + ", " + n + " bytes, expected " + size);
    }
  }

  private <T> HttpResponse<T> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body,
      HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    Map<String, String> params = q < 0 ? Map.of() : queryParams(pathAndQuery.substring(q + 1));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + pathAndQuery))
        .timeout(Duration.ofSeconds(120))
        .method(method, body);
    signer.sign(method, path, params).forEach((k, v) -> {
      if (!k.equalsIgnoreCase("Host")) { // the JDK client sets Host itself (the same host:port)
        b.header(k, v);
      }
    });
    return setupClient.send(b.build(), handler);
  }

  void close() {
    setupClient.close();
  }
}
