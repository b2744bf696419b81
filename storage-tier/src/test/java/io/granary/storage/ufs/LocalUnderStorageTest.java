package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.UnderStorageException;
import io.granary.storage.ufs.support.PutSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalUnderStorageTest extends UnderStorageContractTest {
  /** Named as the connector names the temp file of a put in progress. */
  private static final String TEMP_FILE = ".granary-tmp-00000000-0000-0000-0000-000000000000";

  @TempDir
  Path sandbox;

  private Path root;

  @Override
  protected MeteredUnderStorage newStorage() throws IOException {
    root = Files.createDirectory(sandbox.resolve("root"));
    return UnderStorages.create(root.toUri().toString(), Map.of());
  }

  @Test
  void rejectedPathsWriteNothingOutsideTheRoot() throws IOException {
    assertThrows(InvalidPathException.class, () -> put("../escaped", "x"));
    assertThrows(InvalidPathException.class, () -> ufs.mkdirs("../escaped-dir"));
    try (Stream<Path> siblings = Files.list(sandbox)) {
      assertEquals(List.of(root), siblings.toList());
    }
  }

  @Test
  void tempFilesOfPutsInProgressAreHidden() throws IOException {
    Files.writeString(root.resolve(TEMP_FILE), "half written");
    put("visible", "x");
    assertEquals(List.of("visible"), names(listAll("", 10)));
    assertThrows(InvalidPathException.class, () -> ufs.stat(TEMP_FILE));
  }

  @Test
  void mtimeComesFromTheFile() throws IOException {
    put("dated", "x");
    Files.setLastModifiedTime(root.resolve("dated"), FileTime.fromMillis(1_600_000_000_000L));
    assertEquals(1_600_000_000_000L, ufs.stat("dated").orElseThrow().mtimeMs());
    assertEquals("", ufs.stat("dated").orElseThrow().etag());
  }

  @Test
  void aMissingRootDirectoryIsNotFound() {
    UnderStorageException e = assertThrows(UnderStorageException.class,
        () -> UnderStorages.create(sandbox.resolve("absent").toUri().toString(), Map.of()));
    assertEquals(UnderStorageException.Kind.NOT_FOUND, e.kind());
  }

  @Test
  void unknownSchemesAreRejected() {
    assertThrows(InvalidArgumentException.class, () -> UnderStorages.create("ftp://host/dir", Map.of()));
    assertThrows(InvalidArgumentException.class, () -> UnderStorages.create("no scheme", Map.of()));
  }

  @Test
  void putOverADirectoryFails() {
    ufs.mkdirs("dir");
    assertThrows(UnderStorageException.class, () -> ufs.put("dir", new ByteArrayInputStream(new byte[1]), 1));
    assertTrue(ufs.stat("dir").orElseThrow().directory());
  }

  @Test
  void aReaderOfTheReplacedVersionKeepsReadingItWhole() throws IOException {
    byte[] v1 = bytes(300_000);
    put("a", v1);
    try (InputStream reader = ufs.open("a", 0, -1)) {
      byte[] head = reader.readNBytes(1000);
      put("a", "second");
      put("b", new byte[300_000]);
      byte[] rest = reader.readAllBytes();
      assertArrayEquals(v1, concat(head, rest));
    }
    assertEquals("second", text("a"));
  }

  @Test
  void anotherNameOfTheReplacedFileKeepsTheOldContent() throws IOException {
    put("a", "first");
    Files.createLink(root.resolve("other-name"), root.resolve("a"));
    put("a", "second");
    put("b", "third");
    assertEquals("first", Files.readString(root.resolve("other-name")));
    assertEquals("second", text("a"));
  }

  @Test
  void concurrentPutsIntoOneDirectoryEachLandWholeAndLeaveNoTempFiles() throws Exception {
    // puts in one directory wait for each other's temp-file create: none may be lost or mixed
    int threads = 8;
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            put("d/k-" + (i % 10), "thread " + id + " put " + i); // ten names, overwritten by all threads
            put("d/own-" + id + "-" + i, bytes(4096 + id));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int k = 0; k < 10; k++) {
      String last = text("d/k-" + k); // one whole put of this name, by any thread
      assertTrue(last.matches("thread [0-7] put \\d+") && Integer.parseInt(last.substring(last.lastIndexOf(' ') + 1)) % 10 == k, last);
    }
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        assertArrayEquals(bytes(4096 + t), read("d/own-" + t + "-" + i, 0, -1));
      }
    }
    try (Stream<Path> files = Files.list(root.resolve("d"))) {
      assertEquals(10 + threads * perThread, files.count(), "no temp file may be left behind");
    }
  }

  @Test
  void aPutFromFilesIsCopiedFileToFileAndBadSourcesWriteNothing() throws IOException {
    Path one = Files.write(sandbox.resolve("one"), bytes(70_000));
    Path two = Files.write(sandbox.resolve("two"), "tail".getBytes(StandardCharsets.UTF_8));
    ufs.put("joined", PutSource.ofFiles(List.of(one, two), 70_004), 70_004);
    assertArrayEquals(concat(bytes(70_000), "tail".getBytes(StandardCharsets.UTF_8)), read("joined", 0, -1));
    ufs.put("cut", PutSource.ofFiles(List.of(one, two), 100), 100);
    assertArrayEquals(Arrays.copyOf(bytes(70_000), 100), read("cut", 0, -1));

    assertThrows(InvalidArgumentException.class, () -> ufs.put("short", PutSource.ofFiles(List.of(two), 10), 10));
    UnderStorageException gone = assertThrows(UnderStorageException.class,
        () -> ufs.put("gone", PutSource.ofFiles(List.of(sandbox.resolve("no-such-block")), 10), 10));
    assertEquals(UnderStorageException.Kind.OTHER, gone.kind(), "a missing source is the caller's failure, not a missing key");
    assertTrue(gone.getMessage().contains("reading the data to put failed"), gone.getMessage());
    assertEquals(Optional.empty(), ufs.stat("short"));
    assertEquals(Optional.empty(), ufs.stat("gone"));
    try (Stream<Path> left = Files.list(root)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".granary-tmp-")).toList(),
          "no temp file is left behind");
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
