package io.granary.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code granary serve} as its own process: prints its listener, answers /health, stops on SIGTERM. */
class ServeProcessTest {
  private static final Pattern ADMIN = Pattern.compile("admin listening on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path dir;

  private Process start(Path config, Path log) throws Exception {
    return new ProcessBuilder(ChildJvm.command(io.granary.cli.Main.class,
        "serve", "--config", config.toString(), "--admin-port", "0"))
        .redirectError(log.toFile()).start();
  }

  private static int adminPort(Process p) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = ADMIN.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the gateway exited without printing its admin listener");
  }

  @Test
  void serveStartsAnswersHealthAndStopsCleanlyOnSigterm() throws Exception {
    Path data = dir.resolve("data");
    Path config = dir.resolve("granary.yaml");
    Files.writeString(config, "dataDir: " + data + "\ntiers:\n  - {name: SSD, path: cache, quota: 64MiB}\n");
    Files.createDirectories(data.resolve("ufs"));
    Files.writeString(data.resolve("ufs").resolve("hello.txt"), "hello");
    for (int run = 0; run < 2; run++) {
      Path log = dir.resolve("serve-" + run + ".log");
      Process p = start(config, log);
      try {
        int port = adminPort(p);
        HttpResponse<String> health = GranaryServerTest.get(port, "/health");
        assertEquals(200, health.statusCode());
        String metrics = GranaryServerTest.get(port, "/metrics").body();
        assertTrue(metrics.contains("granary_cache_capacity_bytes{tier=\"SSD\"} 67108864"), metrics);
      } finally {
        p.destroy(); // SIGTERM
      }
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "gateway did not stop on SIGTERM");
      String stderr = Files.readString(log);
      assertTrue(stderr.contains("granary stopped"), stderr);
      assertTrue(stderr.contains("metadata closed"), stderr);
    }
  }
}
