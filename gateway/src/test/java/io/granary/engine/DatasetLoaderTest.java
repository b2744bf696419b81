package io.granary.engine;

import static io.granary.engine.GranaryEngineTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a data set can be stopped part-way and resumed; failures are reported per file. */
class DatasetLoaderTest {
  @TempDir Path dir;

  @Test
  void aStoppedLoadResumesWhereItLeftOff() throws Exception {
    try (EngineFixture fx = new EngineFixture(dir, 64 * 1024, Map.of(), 16L << 20)) {
      Path ds = Files.createDirectories(fx.ufsDir.resolve("ds/a/b"));
      for (int i = 0; i < 40; i++) {
        Files.write((i % 2 == 0 ? ds : ds.getParent()).resolve("f" + i), bytes(30_000, i));
      }
      GranaryEngine e = fx.open().engine;
      AtomicBoolean stop = new AtomicBoolean();
      DatasetLoader.Progress first = new DatasetLoader(e).load("/ds", true, 1, p -> {
        if (p.filesDone() >= 10) {
          stop.set(true); // the user stops it
        }
      }, stop);
      assertTrue(first.done());
      assertTrue(first.filesDone() >= 10 && first.filesDone() < 40, "stopped part-way: " + first);
      assertEquals("cancelled", first.error());

      Files.delete(ds.resolve("f38")); // gone behind the cache's back: this file fails, the rest load
      DatasetLoader.Progress second = new DatasetLoader(e).load("/ds", true, 4, p -> { }, new AtomicBoolean());
      assertEquals(40, second.filesTotal());
      assertEquals(40, second.filesDone());
      assertTrue(second.filesSkipped() >= first.filesDone() - 1, "what the first run loaded is skipped: " + second);
      assertTrue(second.filesFailed() <= 1, second.toString());
      long cached = 0;
      for (int i = 0; i < 40; i++) {
        if (i != 38) {
          cached += e.cachedBytes(e.stat((i % 2 == 0 ? "/ds/a/b/f" : "/ds/a/f") + i));
        }
      }
      assertEquals(39L * 30_000, cached);
    }
  }
}
