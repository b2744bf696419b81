package io.granary.storage.ufs.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: s3proxy with its file-system backend, run as a child JVM on a free
 * loopback port with authentication off (or, from {@link #sharedWithCredentials()}, on). One instance serves the whole test JVM; it starts on
 * first use and stops when the JVM exits. Tests isolate themselves by bucket
 * ({@link #createBucket}) or by key prefix.
 *
 * <p>The s3proxy jar is found through the system property {@value #JAR_PROPERTY}, which the
 * storage-tier POM sets for surefire; modules that use this class from the test-jar set it too.
 */
public final class S3ProxyServer {
  public static final String JAR_PROPERTY = "granary.s3proxy.jar";

  private static final long START_TIMEOUT_SECONDS = 60;
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  /** The access key and secret of {@link #sharedWithCredentials()}. */
  public static final String ACCESS_KEY = "granary-test";
  public static final String SECRET_KEY = "granary-test-secret";
  private static S3ProxyServer shared;
  private static S3ProxyServer sharedWithCredentials;

  private final Process process;
  private final URI endpoint;
  private final Path baseDir;
  private final StringBuffer output = new StringBuffer();
  private final S3Client client;

  /** The instance of this JVM, started on first call. */
  public static synchronized S3ProxyServer shared() {
    if (shared == null) {
      shared = startStopped(false);
    }
    return shared;
  }

  /**
   * An instance that checks signatures ({@code aws-v2-or-v4} with {@link #ACCESS_KEY} and
   * {@link #SECRET_KEY}), so clients sign their bodies, chunk by chunk over plain HTTP.
   */
  public static synchronized S3ProxyServer sharedWithCredentials() {
    if (sharedWithCredentials == null) {
      sharedWithCredentials = startStopped(true);
    }
    return sharedWithCredentials;
  }

  private static S3ProxyServer startStopped(boolean credentials) {
    S3ProxyServer server = start(credentials);
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "s3proxy-stop"));
    return server;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  /** An anonymous, path-style client for setting up and inspecting test data. */
  public S3Client client() {
    return client;
  }

  /** Creates a new empty bucket named after {@code hint} and returns its name. */
  public String createBucket(String hint) {
    String clean = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    String suffix = "-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
    String name = ("t-" + clean).substring(0, Math.min(clean.length() + 2, 63 - suffix.length())) + suffix;
    client.createBucket(b -> b.bucket(name));
    return name;
  }

  /** The server's output so far, for failure messages. */
  public String output() {
    return output.toString();
  }

  private S3ProxyServer(Process process, URI endpoint, Path baseDir, boolean credentials) {
    this.process = process;
    this.endpoint = endpoint;
    this.baseDir = baseDir;
    this.client = S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials
            ? StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))
            : AnonymousCredentialsProvider.create())
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .build();
  }

  private static S3ProxyServer start(boolean credentials) {
    String jar = System.getProperty(JAR_PROPERTY);
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("system property " + JAR_PROPERTY + " must name the s3proxy jar, is: " + jar);
    }
    try {
      Path baseDir = Files.createTempDirectory("granary-s3proxy-");
      Path data = Files.createDirectories(baseDir.resolve("data"));
      int port = freePort();
      URI endpoint = URI.create("http://127.0.0.1:" + port);
      Path properties = baseDir.resolve("s3proxy.properties");
      Files.writeString(properties, String.join("\n",
          "s3proxy.endpoint=" + endpoint,
          credentials ? "s3proxy.authorization=aws-v2-or-v4" : "s3proxy.authorization=none",
          "s3proxy.identity=" + ACCESS_KEY,
          "s3proxy.credential=" + SECRET_KEY,
          "jclouds.provider=filesystem",
          "jclouds.filesystem.basedir=" + data,
          "jclouds.identity=granary",
          "jclouds.credential=granary",
          ""));
      String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      Process process = new ProcessBuilder(java, "-Xmx256m", "-jar", jar, "--properties", properties.toString())
          .redirectErrorStream(true)
          .start();
      S3ProxyServer server = new S3ProxyServer(process, endpoint, baseDir, credentials);
      server.awaitReady(port);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start s3proxy", e);
    }
  }

  /** Waits for Jetty's "Started ServerConnector" line for our port, then checks the port answers. */
  private void awaitReady(int port) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          output.append(line).append('\n');
          if (line.contains("Started") && line.contains(":" + port + "}")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // the process went away; onExit reports it
      }
    }, "s3proxy-output");
    pump.setDaemon(true);
    pump.start();
    process.onExit().thenRun(() -> ready.completeExceptionally(
        new IllegalStateException("s3proxy exited with " + process.exitValue())));
    try {
      ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      }
    } catch (ExecutionException | TimeoutException | IOException e) {
      stop();
      throw new IllegalStateException("s3proxy did not start on port " + port + ": " + e + "\n" + output, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new IllegalStateException("interrupted while starting s3proxy", e);
    }
  }

  private void stop() {
    client.close();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteTree(baseDir);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
