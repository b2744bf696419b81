package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.UnderStorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
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
}
