package io.granary.engine;

import static io.granary.engine.GranaryEngineTest.bytes;
import static io.granary.engine.GranaryEngineTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gateway engine killed with SIGKILL while writing reopens with every acknowledged file whole. */
class EngineCrashTest {
  private static final long BLOCK = 64 * 1024;

  @TempDir Path dir;

  static int sizeOf(int i) {
    return 1 + (i * 37_003) % 200_000;
  }

  @Test
  void engineKilledMidWriteReopensWithAcknowledgedFilesWhole() throws Exception {
    Process child = new ProcessBuilder(ChildJvm.command(Writer.class, dir.toString())).redirectErrorStream(true).start();
    int acknowledged = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          acknowledged = Integer.parseInt(line.substring(10));
          if (acknowledged >= 60) {
            break;
          }
        }
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(acknowledged >= 60, "child acknowledged only " + acknowledged);

    try (EngineFixture fx = new EngineFixture(dir, BLOCK, Map.of(), 64L << 20).open()) {
      GranaryEngine e = fx.engine;
      for (int i = 0; i <= acknowledged; i++) {
        String path = (i % 2 == 0 ? "/must/f" : "/through/f") + i;
        assertArrayEquals(bytes(sizeOf(i), i), readAll(e, path, null), path);
      }
      // whatever else made it in is whole too; nothing half-written is visible
      for (String d : List.of("/must", "/through")) {
        for (FileInfo f : e.list(d, "", 10_000)) {
          int i = Integer.parseInt(f.name().substring(1));
          assertArrayEquals(bytes(sizeOf(i), i), readAll(e, f.path(), null), f.path());
        }
      }
      try (Stream<Path> tmp = Files.list(dir.resolve("tier-MEM").resolve("tmp"))) {
        assertEquals(0, tmp.count(), "temp blocks are cleared at startup");
      }
      long indexed = fx.meta.stats().blocks();
      try (Stream<Path> files = Files.walk(dir.resolve("tier-MEM").resolve("blocks"))) {
        assertEquals(indexed, files.filter(Files::isRegularFile).count(), "every block file is indexed");
      }
      try (Stream<Path> ufs = Files.list(dir.resolve("ufs"))) {
        assertTrue(ufs.noneMatch(p -> p.getFileName().toString().startsWith(".granary")), "no temp files in the under-storage root");
      }
    }
  }

  /** The child: writes files forever, alternating MUST_CACHE and CACHE_THROUGH, acknowledging each. */
  public static final class Writer {
    public static void main(String[] args) throws Exception {
      EngineFixture fx = new EngineFixture(Path.of(args[0]), BLOCK, Map.of(), 64L << 20).open();
      for (int i = 0; ; i++) {
        boolean must = i % 2 == 0;
        byte[] data = bytes(sizeOf(i), i);
        fx.engine.write((must ? "/must/f" : "/through/f") + i, new ByteArrayInputStream(data), data.length,
            WriteOptions.defaults().withWriteType(must ? WriteType.MUST_CACHE : WriteType.CACHE_THROUGH));
        System.out.println("committed " + i);
        System.out.flush();
      }
    }
  }
}
