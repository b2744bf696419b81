package io.granary.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.granary.config.GranaryConfig;
import io.granary.engine.WriteOptions;
import io.granary.engine.WriteType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GranaryServerTest {
  @TempDir Path dir;

  static GranaryConfig config(Path dataDir) {
    GranaryConfig cfg = new GranaryConfig();
    cfg.dataDir = dataDir.toString();
    cfg.admin.port = 0;
    cfg.s3.port = 0;
    cfg.grpc.port = 0;
    GranaryConfig.Tier mem = new GranaryConfig.Tier();
    mem.name = "MEM";
    mem.path = dataDir.resolve("mem").toString();
    mem.quota = "8MiB";
    GranaryConfig.Tier ssd = new GranaryConfig.Tier();
    ssd.name = "SSD";
    ssd.path = "cache";
    ssd.quota = "32MiB";
    cfg.tiers.add(mem);
    cfg.tiers.add(ssd);
    cfg.blockSize = "1MiB";
    return cfg;
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static long metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(text);
    assertTrue(m.find(), name + " missing in\n" + text);
    return (long) Double.parseDouble(m.group(1));
  }

  @Test
  void serverAnswersHealthAndMetricsAndKeepsTheNamespaceAcrossRestarts() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] data = new byte[3 * 1024 * 1024 + 7];
    new java.util.Random(1).nextBytes(data);
    try (GranaryServer s = GranaryServer.start(config(dir), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8))) {
      String printed = out.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains("admin listening on http://127.0.0.1:" + s.adminPort()), printed);
      HttpResponse<String> health = get(s.adminPort(), "/health");
      assertEquals(200, health.statusCode());
      assertTrue(health.body().contains("UP"));
      assertEquals(404, get(s.adminPort(), "/nope").statusCode());

      s.engine().write("/datasets/must.bin", new ByteArrayInputStream(data), data.length,
          WriteOptions.defaults().withWriteType(WriteType.MUST_CACHE));
      try (InputStream in = s.engine().read("/datasets/must.bin", 0, -1, null)) {
        in.readAllBytes();
      }
      String metrics = get(s.adminPort(), "/metrics").body();
      assertTrue(metrics.contains("granary_cache_capacity_bytes{tier=\"MEM\"} 8388608"), metrics);
      assertTrue(metrics.contains("# TYPE granary_cache_hits_total counter"), metrics);
      assertEquals(4, metric(metrics, "granary_cache_hits_total"));
      assertEquals(0, metric(metrics, "granary_cache_misses_total"));
      assertEquals(0, metric(metrics, "granary_ufs_read_bytes_total"));
      assertTrue(metric(metrics, "granary_metadata_inodes") >= 3);
    }
    try (GranaryServer s = GranaryServer.start(config(dir), Map.of(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      try (InputStream in = s.engine().read("/datasets/must.bin", 0, -1, null)) {
        assertArrayEquals(data, in.readAllBytes(), "the restart kept the file and its blocks");
      }
      String metrics = get(s.adminPort(), "/metrics").body();
      assertEquals(data.length, metric(metrics, "granary_cache_used_bytes{tier=\"MEM\"}")
          + metric(metrics, "granary_cache_used_bytes{tier=\"SSD\"}"));
    }
  }

  @Test
  void firstStartGeneratesAnOwnerOnlyKeyPairAndNeverPrintsTheSecret() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String key;
    try (GranaryServer s = GranaryServer.start(config(dir), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8))) {
      Path file = dir.resolve(KeyStore.FILE);
      assertTrue(Files.exists(file));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      assertEquals(1, s.credentials().size());
      key = s.credentials().get(0).accessKey;
      assertFalse(out.toString(StandardCharsets.UTF_8).contains(s.credentials().get(0).secretKey));
      assertFalse(s.credentials().get(0).toString().contains(s.credentials().get(0).secretKey));
    }
    try (GranaryServer s = GranaryServer.start(config(dir), Map.of(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      assertEquals(key, s.credentials().get(0).accessKey, "the stored pair is reused");
    }
  }

  @Test
  void environmentCredentialsWinAndNoKeyFileIsWritten() throws Exception {
    Map<String, String> env = Map.of("GRANARY_ACCESS_KEY", "AKIATEST", "GRANARY_SECRET_KEY", "s3cr3t");
    try (GranaryServer s = GranaryServer.start(config(dir), env, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      assertEquals("AKIATEST", s.credentials().get(0).accessKey);
      assertFalse(Files.exists(dir.resolve(KeyStore.FILE)));
    }
    assertThrows(IllegalArgumentException.class, () -> GranaryServer.start(config(dir),
        Map.of("GRANARY_ACCESS_KEY", "x"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
  }

  @Test
  void yamlConfigIsReadAndUnknownKeysAreRejected() throws Exception {
    Path yaml = dir.resolve("granary.yaml");
    Files.writeString(yaml, """
        dataDir: /tmp/somewhere
        admin: {port: 0}
        blockSize: 8MiB
        tiers:
          - {name: SSD, path: cache, quota: 2GiB, highWatermark: 0.9, lowWatermark: 0.7}
        credentials:
          - {accessKey: AK, secretKey: SK}
        """);
    GranaryConfig cfg = GranaryConfig.load(yaml);
    assertEquals(8L << 20, cfg.blockSizeBytes());
    assertEquals(0.7, cfg.tiers.get(0).lowWatermark);
    assertEquals("AK", cfg.credentials.get(0).accessKey);
    Files.writeString(yaml, "adminn: {port: 0}\n");
    assertThrows(UnrecognizedPropertyException.class, () -> GranaryConfig.load(yaml));
  }
}
