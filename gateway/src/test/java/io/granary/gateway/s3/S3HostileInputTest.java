package io.granary.gateway.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Requests meant to hurt: each gets a clear S3 error, nothing half-written appears, the server stays up. */
class S3HostileInputTest {
  @TempDir static Path dir;
  static S3TestGateway gw;
  static S3Client s3;
  static RawS3 raw;

  @BeforeAll
  static void start() throws IOException {
    gw = new S3TestGateway(dir, "1MiB");
    s3 = gw.client();
    raw = new RawS3(gw.endpoint);
    s3.createBucket(b -> b.bucket("hostile"));
  }

  @AfterAll
  static void stop() {
    s3.close();
    gw.close();
  }

  private static void serverStillServes() {
    s3.putObject(b -> b.bucket("hostile").key("alive"), RequestBody.fromString("yes"));
    assertEquals("yes", s3.getObjectAsBytes(b -> b.bucket("hostile").key("alive")).asUtf8String());
  }

  private static long visibleFiles() throws IOException {
    try (Stream<Path> s = Files.walk(gw.ufs().resolve("hostile"))) {
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("alive")).count();
    }
  }

  @Test
  void dotDotKeysAreRejected() throws IOException {
    for (String path : List.of("/hostile/a/../../etc/passwd", "/hostile/a/./b", "/hostile/a//b", "/hostile/x%00y")) {
      RawS3.Response r = raw.send("PUT", path, null, Map.of(), "x".getBytes(StandardCharsets.UTF_8));
      assertEquals(400, r.status(), path + " -> " + r);
      assertTrue(List.of("InvalidArgument", "InvalidURI").contains(r.errorCode()), path + " -> " + r.body());
      assertTrue(r.headers().containsKey("x-amz-request-id"));
    }
    assertEquals(0, visibleFiles());
    assertTrue(Files.notExists(gw.ufs().resolve("etc")));
    serverStillServes();
  }

  @Test
  void overlongKeysAreRejected() throws IOException {
    RawS3.Response r = raw.send("PUT", "/hostile/" + "k".repeat(1025), null, Map.of(), new byte[1]);
    assertEquals(400, r.status());
    assertEquals("KeyTooLongError", r.errorCode());
    serverStillServes();
  }

  @Test
  void hugeHeadersGetAnErrorAndTheServerStaysUp() throws IOException {
    String big = "x".repeat(40_000);
    RawS3.Response r = raw.sendBytes(("GET /hostile/alive HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big + "\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8));
    assertTrue(r.status() == 400 || r.status() == 431, "status " + r.status());
    assertTrue(r.body().contains("<Code>RequestHeaderSectionTooLarge</Code>"), r.body());
    serverStillServes();
  }

  @Test
  void aBodyLongerThanContentLengthStoresOnlyTheDeclaredBytes() throws IOException {
    byte[] declared = "0123456789".getBytes(StandardCharsets.UTF_8);
    Map<String, List<String>> signed = raw.sign("PUT", "/hostile/exact.txt", null, Map.of(), declared, Instant.now(),
        S3TestGateway.SECRET_KEY);
    byte[] longer = "0123456789 and then some garbage that is not HTTP".getBytes(StandardCharsets.UTF_8);
    RawS3.Response r = raw.sendSigned("PUT", "/hostile/exact.txt", null, signed, longer, longer.length);
    assertEquals(200, r.status(), r.body());
    assertEquals("0123456789", s3.getObjectAsBytes(b -> b.bucket("hostile").key("exact.txt")).asUtf8String());
    serverStillServes();
  }

  @Test
  void xmlWithExternalEntitiesOrEntityExpansionIsMalformed() throws IOException {
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "TOP-SECRET");
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file://" + secret + "\">]>"
        + "<Delete><Object><Key>&x;</Key></Object></Delete>";
    String laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
        + "<Delete><Object><Key>&d;</Key></Object></Delete>";
    for (String doc : List.of(xxe, laughs, "<Delete><Object><Key>unclosed", "")) {
      byte[] body = doc.getBytes(StandardCharsets.UTF_8);
      String md5 = Base64.getEncoder().encodeToString(md5(body));
      RawS3.Response r = raw.send("POST", "/hostile", "delete=", Map.of("Content-MD5", md5), body);
      assertEquals(400, r.status(), r.body());
      assertEquals("MalformedXML", r.errorCode(), r.body());
      assertTrue(!r.body().contains("TOP-SECRET"));
    }
    serverStillServes();
  }

  private static byte[] md5(byte[] b) {
    try {
      return java.security.MessageDigest.getInstance("MD5").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aClientThatDisconnectsMidUploadLeavesNothing() throws IOException {
    byte[] body = new byte[3 * 1024 * 1024];
    new java.util.Random(1).nextBytes(body);
    Map<String, List<String>> signed = raw.sign("PUT", "/hostile/cut.bin", null, Map.of(), body, Instant.now(),
        S3TestGateway.SECRET_KEY);
    raw.sendSigned("PUT", "/hostile/cut.bin", null, signed, body, 1024 * 1024);
    // the server notices the closed connection and aborts; wait for the abort to finish
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (gw.server.engine().blockStore().usage().get(0).used() > usedByAlive() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(404, statusOfHead("cut.bin"));
    assertEquals(0, visibleFiles());
    serverStillServes();
  }

  private static long usedByAlive() {
    return 4L << 20; // at most a reservation chunk for the small "alive" object
  }

  private static int statusOfHead(String key) {
    try {
      s3.headObject(b -> b.bucket("hostile").key(key));
      return 200;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      return e.statusCode();
    }
  }

  @Test
  void aWrongContentMd5OrPayloadHashStoresNothing() throws IOException {
    byte[] body = "the real body".getBytes(StandardCharsets.UTF_8);
    RawS3.Response md5 = raw.send("PUT", "/hostile/md5.txt", null,
        Map.of("Content-MD5", Base64.getEncoder().encodeToString(md5("another body".getBytes(StandardCharsets.UTF_8)))), body);
    assertEquals(400, md5.status());
    assertEquals("BadDigest", md5.errorCode());
    Map<String, List<String>> signed = raw.sign("PUT", "/hostile/sha.txt", null, Map.of(), body, Instant.now(),
        S3TestGateway.SECRET_KEY);
    byte[] tampered = "THE real body".getBytes(StandardCharsets.UTF_8);
    RawS3.Response sha = raw.sendSigned("PUT", "/hostile/sha.txt", null, signed, tampered, tampered.length);
    assertEquals(400, sha.status());
    assertEquals("XAmzContentSHA256Mismatch", sha.errorCode());
    assertEquals(404, statusOfHead("md5.txt"));
    assertEquals(404, statusOfHead("sha.txt"));
    assertEquals(0, visibleFiles());
  }

  @Test
  void skewedClocksAndExpiredPresignedUrlsAreRefused() throws IOException {
    Map<String, List<String>> old = raw.sign("GET", "/hostile/alive", null, Map.of(), new byte[0],
        Instant.now().minus(Duration.ofMinutes(20)), S3TestGateway.SECRET_KEY);
    RawS3.Response skew = raw.sendSigned("GET", "/hostile/alive", null, old, new byte[0], 0);
    assertEquals(403, skew.status());
    assertEquals("RequestTimeTooSkewed", skew.errorCode());

    serverStillServes();
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(gw.endpoint)
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(S3TestGateway.ACCESS_KEY, S3TestGateway.SECRET_KEY)))
        .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build()) {
      java.net.URL ok = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket("hostile").key("alive"))).url();
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      var good = send(http, ok.toString());
      assertEquals(200, good.statusCode(), ok + " -> " + good.body());
      assertEquals("yes", good.body());
      var tampered = send(http, ok.toString().replace("alive", "alivf"));
      assertEquals(403, tampered.statusCode());
      assertTrue(tampered.body().contains("SignatureDoesNotMatch"), tampered.body());
      java.net.URL expired = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofSeconds(1))
          .getObjectRequest(g -> g.bucket("hostile").key("alive"))).url();
      String expiredUrl = expired.toString().replaceFirst("X-Amz-Date=\\d{8}T\\d{6}Z",
          "X-Amz-Date=" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
              .withZone(java.time.ZoneOffset.UTC).format(Instant.now().minus(Duration.ofHours(1))));
      var gone = send(http, expiredUrl);
      assertEquals(403, gone.statusCode(), gone.body());
    }
  }

  private static java.net.http.HttpResponse<String> send(java.net.http.HttpClient http, String url) throws IOException {
    try {
      return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Test
  void virtualHostStyleAddressesTheBucketByHostName() throws IOException {
    s3.putObject(b -> b.bucket("hostile").key("dir/vhost.txt"), RequestBody.fromString("by host"));
    Map<String, List<String>> signed = raw.sign("hostile.localhost", "GET", "/dir/vhost.txt", null, Map.of(), new byte[0],
        Instant.now(), S3TestGateway.SECRET_KEY);
    RawS3.Response r = raw.sendSigned("GET", "/dir/vhost.txt", null, signed, new byte[0], 0);
    assertEquals(200, r.status(), r.body());
    assertEquals("by host", r.body());
    Map<String, List<String>> listing = raw.sign("hostile.localhost", "GET", "/", "list-type=2&prefix=dir%2F", Map.of(),
        new byte[0], Instant.now(), S3TestGateway.SECRET_KEY);
    RawS3.Response l = raw.sendSigned("GET", "/", "list-type=2&prefix=dir%2F", listing, new byte[0], 0);
    assertEquals(200, l.status(), l.body());
    assertTrue(l.body().contains("<Key>dir/vhost.txt</Key>"), l.body());
  }

  @Test
  void anonymousRequestsAreDeniedUnlessTheBucketIsPublic() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    var denied = send(http, gw.endpoint + "/hostile/alive");
    assertEquals(403, denied.statusCode());
    assertTrue(denied.body().contains("<Code>AccessDenied</Code>"));
    s3.createBucket(b -> b.bucket("public"));
    s3.putObject(b -> b.bucket("public").key("open.txt"), RequestBody.fromString("everyone"));
    var open = send(http, gw.endpoint + "/public/open.txt");
    assertEquals(200, open.statusCode());
    assertEquals("everyone", open.body());
    var write = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.endpoint + "/public/x"))
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(403, write.statusCode(), "public-read does not mean public-write");
  }
}
