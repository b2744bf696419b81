package io.granary.storage.ufs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What every {@link UnderStorage} connector must do, run against each one through
 * {@link UnderStorages#create} (so through the retry and metering decorators, as the gateway uses
 * them). A subclass supplies a fresh, empty store per test.
 */
abstract class UnderStorageContractTest {
  protected MeteredUnderStorage ufs;

  /** A new, empty under-storage; closed after the test. */
  protected abstract MeteredUnderStorage newStorage() throws Exception;

  @BeforeEach
  void openStorage() throws Exception {
    ufs = newStorage();
  }

  @AfterEach
  void closeStorage() {
    if (ufs != null) {
      ufs.close();
    }
  }

  // ---- stat ----

  @Test
  void statTellsFilesFromDirectoriesFromMisses() {
    put("d/f.bin", bytes(100));
    ufs.mkdirs("e");

    UfsStatus file = ufs.stat("d/f.bin").orElseThrow();
    assertEquals("f.bin", file.name());
    assertFalse(file.directory());
    assertEquals(100, file.length());
    assertTrue(file.mtimeMs() > 0, "mtime " + file.mtimeMs());

    UfsStatus dir = ufs.stat("d").orElseThrow();
    assertEquals("d", dir.name());
    assertTrue(dir.directory());
    assertEquals(0, dir.length());
    assertTrue(ufs.stat("e").orElseThrow().directory(), "mkdirs made a directory");
    assertTrue(ufs.stat("").orElseThrow().directory(), "the root is a directory");

    assertEquals(Optional.empty(), ufs.stat("missing"));
    assertEquals(Optional.empty(), ufs.stat("d/missing"));
    assertEquals(Optional.empty(), ufs.stat("d/f.bin/below-a-file"));
  }

  @Test
  void fingerprintChangesWhenAFileIsRewritten() {
    put("v.txt", "one");
    String first = ufs.stat("v.txt").orElseThrow().fingerprint();
    put("v.txt", "two!");
    assertFalse(first.equals(ufs.stat("v.txt").orElseThrow().fingerprint()));
  }

  // ---- list ----

  @Test
  void listPagesThroughAllEntriesInKeyOrder() {
    List<String> expected = IntStream.range(0, 25).mapToObj(i -> String.format("f%02d", i)).toList();
    for (String name : expected) {
      put("many/" + name, name);
    }

    List<String> seen = new ArrayList<>();
    int pages = 0;
    String token = null;
    do {
      UfsListing page = ufs.list("many", token, 10);
      assertTrue(page.entries().size() <= 10, "page of " + page.entries().size());
      page.entries().forEach(e -> seen.add(e.name()));
      token = page.nextToken();
      pages++;
      assertTrue(pages <= 25, "listing does not end");
    } while (token != null);

    assertEquals(expected, seen);
    assertTrue(pages >= 3, pages + " pages");
  }

  @Test
  void listShowsSubdirectoriesOnceAndNotTheListedDirectoryItself() {
    ufs.mkdirs("a");
    put("a/x/1", "1");
    put("a/x/2", "2");
    put("a/y", "yy");
    ufs.mkdirs("a/z");
    put("a/x/deeper/3", "3");

    List<UfsStatus> entries = listAll("a", 100);
    assertEquals(List.of("x", "y", "z"), names(entries));
    assertEquals(List.of(true, false, true), entries.stream().map(UfsStatus::directory).toList());
    assertEquals(2, entries.get(1).length());

    assertEquals(List.of("1", "2", "deeper"), names(listAll("a/x", 100)));
    assertEquals(List.of("a"), names(listAll("", 100)));
    assertEquals(List.of(), listAll("a/z", 100), "an empty directory lists empty");
  }

  @Test
  void listOrdersEntriesAsObjectKeysSort() {
    // As keys: "a-b" < "a/" < "a0", because '-' < '/' < '0'.
    put("k/a0", "x");
    put("k/a/c", "x");
    put("k/a-b", "x");
    assertEquals(List.of("a-b", "a", "a0"), names(listAll("k", 100)));
    assertEquals(List.of("a-b", "a", "a0"), names(listAll("k", 1)));
  }

  @Test
  void listOfMissingDirectoryIsNotFound() {
    assertKind(Kind.NOT_FOUND, () -> ufs.list("nowhere", null, 10));
  }

  // ---- open ----

  @Test
  void openReadsTheRequestedRange() {
    byte[] data = bytes(1000);
    put("r.bin", data);

    assertArrayEquals(data, read("r.bin", 0, -1));
    assertArrayEquals(Arrays.copyOfRange(data, 100, 300), read("r.bin", 100, 200), "middle");
    assertArrayEquals(Arrays.copyOfRange(data, 900, 1000), read("r.bin", 900, -1), "to the end");
    assertArrayEquals(Arrays.copyOfRange(data, 950, 1000), read("r.bin", 950, 100), "a length past the end is cut short");
    assertArrayEquals(new byte[0], read("r.bin", 10, 0), "zero length");
  }

  @Test
  void openAtOrPastTheEndReadsNothing() {
    put("r.bin", bytes(1000));
    assertArrayEquals(new byte[0], read("r.bin", 1000, -1));
    assertArrayEquals(new byte[0], read("r.bin", 5000, 10));
    put("empty", new byte[0]);
    assertArrayEquals(new byte[0], read("empty", 0, -1));
  }

  @Test
  void openOfMissingFileIsNotFound() {
    assertKind(Kind.NOT_FOUND, () -> ufs.open("missing.bin", 0, -1).close());
    assertKind(Kind.NOT_FOUND, () -> ufs.open("missing.bin", 0, 0).close());
  }

  @Test
  void negativeRangesAreRejected() {
    put("r.bin", bytes(10));
    assertThrows(InvalidArgumentException.class, () -> ufs.open("r.bin", -1, 5));
    assertThrows(InvalidArgumentException.class, () -> ufs.open("r.bin", 0, -2));
  }

  @Test
  void closingAStreamEarlyIsFine() throws IOException {
    put("big.bin", bytes(256 * 1024));
    try (InputStream in = ufs.open("big.bin", 0, -1)) {
      assertEquals(1024, in.readNBytes(1024).length);
    }
    assertArrayEquals(Arrays.copyOfRange(bytes(256 * 1024), 1000, 1010), read("big.bin", 1000, 10));
  }

  // ---- put ----

  @Test
  void putReplacesTheWholeFile() {
    put("p.txt", "a longer first version");
    put("p.txt", "short");
    assertEquals("short", text("p.txt"));
    assertEquals(5, ufs.stat("p.txt").orElseThrow().length());
  }

  @Test
  void putCreatesMissingParents() {
    put("p/q/r.txt", "deep");
    assertTrue(ufs.stat("p").orElseThrow().directory());
    assertTrue(ufs.stat("p/q").orElseThrow().directory());
    assertEquals("deep", text("p/q/r.txt"));
  }

  @Test
  void failedPutLeavesNoObjectAndTheOldContentIntact() {
    put("p.bin", "old content");
    int size = 64 * 1024;

    UnderStorageException overwrite = assertThrows(UnderStorageException.class,
        () -> ufs.put("p.bin", new FailingInputStream(bytes(size), size / 2), size));
    assertEquals(Kind.OTHER, overwrite.kind(), "the caller's stream failed, not the store");
    assertEquals("old content", text("p.bin"));

    assertThrows(UnderStorageException.class, () -> ufs.put("q.bin", new FailingInputStream(bytes(size), size / 2), size));
    assertEquals(Optional.empty(), ufs.stat("q.bin"));
    // Only our own names are checked: s3proxy's file-system backend lists an upload in progress
    // under a temporary name of its own ("q.bin-<uuid>") until it notices the aborted connection.
    assertEquals(List.of("p.bin"), names(listAll("", 100)).stream().filter(n -> n.equals("p.bin") || n.equals("q.bin")).toList());
  }

  @Test
  void putOfShortDataFailsAndWritesNothing() {
    assertThrows(InvalidArgumentException.class, () -> ufs.put("s.bin", new ByteArrayInputStream(bytes(10)), 20));
    assertEquals(Optional.empty(), ufs.stat("s.bin"));
  }

  @Test
  void putWritesExactlyTheGivenLength() {
    ufs.put("cut.bin", new ByteArrayInputStream(bytes(100)), 40);
    assertArrayEquals(Arrays.copyOf(bytes(100), 40), read("cut.bin", 0, -1));
  }

  // ---- mkdirs, delete ----

  @Test
  void mkdirsIsIdempotentAndCreatesParents() {
    ufs.mkdirs("m/n/o");
    ufs.mkdirs("m/n/o");
    ufs.mkdirs("m");
    ufs.mkdirs("");
    assertTrue(ufs.stat("m").orElseThrow().directory());
    assertTrue(ufs.stat("m/n").orElseThrow().directory());
    assertTrue(ufs.stat("m/n/o").orElseThrow().directory());
    assertEquals(List.of("o"), names(listAll("m/n", 10)));
  }

  @Test
  void deleteRemovesFilesAndEmptyDirectories() {
    put("f.txt", "x");
    ufs.mkdirs("d");
    ufs.delete("f.txt");
    ufs.delete("d");
    assertEquals(Optional.empty(), ufs.stat("f.txt"));
    assertEquals(Optional.empty(), ufs.stat("d"));
  }

  @Test
  void deleteOfMissingPathIsNotFound() {
    assertKind(Kind.NOT_FOUND, () -> ufs.delete("missing"));
    assertKind(Kind.NOT_FOUND, () -> ufs.delete("missing/below"));
  }

  @Test
  void deleteOfNonEmptyDirectoryFailsAndKeepsIt() {
    put("full/f.txt", "x");
    assertKind(Kind.OTHER, () -> ufs.delete("full"));
    assertEquals("x", text("full/f.txt"));
  }

  // ---- rename ----

  @Test
  void renameMovesAFile() {
    put("src.txt", "payload");
    ufs.rename("src.txt", "moved/dst.txt");
    assertEquals(Optional.empty(), ufs.stat("src.txt"));
    assertEquals("payload", text("moved/dst.txt"));
  }

  @Test
  void renameMovesADirectoryTree() {
    put("t/a", "A");
    put("t/sub/b", "B");
    ufs.mkdirs("t/empty");

    ufs.rename("t", "u");

    assertEquals(Optional.empty(), ufs.stat("t"));
    assertEquals(List.of("a", "empty", "sub"), names(listAll("u", 100)));
    assertEquals("A", text("u/a"));
    assertEquals("B", text("u/sub/b"));
    assertTrue(ufs.stat("u/empty").orElseThrow().directory());
  }

  @Test
  void renameOfMissingPathIsNotFound() {
    assertKind(Kind.NOT_FOUND, () -> ufs.rename("missing", "elsewhere"));
  }

  @Test
  void renameIntoItselfIsRejected() {
    put("t/a", "A");
    assertThrows(InvalidArgumentException.class, () -> ufs.rename("t", "t/inner"));
    assertEquals("A", text("t/a"));
  }

  // ---- metering ----

  @Test
  void countersFollowTheCalls() throws IOException {
    long metadata = ufs.metadataCalls();
    long puts = ufs.puts();
    long written = ufs.bytesWritten();
    long opens = ufs.opens();
    long read = ufs.bytesRead();

    put("c.bin", bytes(500));
    ufs.stat("c.bin");
    ufs.list("", null, 10);
    try (InputStream in = ufs.open("c.bin", 100, 200)) {
      assertEquals(150, in.readNBytes(150).length);
    }

    assertEquals(puts + 1, ufs.puts());
    assertEquals(written + 500, ufs.bytesWritten());
    assertEquals(metadata + 2, ufs.metadataCalls());
    assertEquals(opens + 1, ufs.opens());
    assertEquals(read + 150, ufs.bytesRead());
  }

  // ---- paths ----

  @Test
  void pathsThatCouldEscapeTheRootAreRejected() {
    put("ok", "x");
    for (String bad : List.of("../x", "..", "a/../../x", "./x", "a/./b", "a//b", "/abs", "a/", "a\0b")) {
      assertThrows(InvalidPathException.class, () -> ufs.stat(bad), bad);
      assertThrows(InvalidPathException.class, () -> ufs.list(bad, null, 10), bad);
      assertThrows(InvalidPathException.class, () -> ufs.open(bad, 0, -1), bad);
      assertThrows(InvalidPathException.class, () -> ufs.put(bad, new ByteArrayInputStream(new byte[1]), 1), bad);
      assertThrows(InvalidPathException.class, () -> ufs.mkdirs(bad), bad);
      assertThrows(InvalidPathException.class, () -> ufs.delete(bad), bad);
      assertThrows(InvalidPathException.class, () -> ufs.rename(bad, "elsewhere"), bad);
      assertThrows(InvalidPathException.class, () -> ufs.rename("ok", bad), bad);
    }
    assertEquals(List.of("ok"), names(listAll("", 100)));
  }

  @Test
  void nonAsciiNamesRoundTrip() {
    List<String> paths = List.of("données/été.txt", "日本語/ファイル.bin", "😀-emoji.txt", "\uE000-private.txt");
    for (String path : paths) {
      put(path, path);
    }
    for (String path : paths) {
      assertEquals(path, text(path));
      assertEquals(UfsPaths.name(path), ufs.stat(path).orElseThrow().name());
    }
    // UTF-8 byte order is code point order: 'd' < U+65E5 < U+E000 < U+1F600. (UTF-16 order, as
    // String.compareTo, would put the emoji's surrogate pair before U+E000.)
    assertEquals(List.of("données", "日本語", "\uE000-private.txt", "😀-emoji.txt"), names(listAll("", 100)));
    assertEquals(List.of("ファイル.bin"), names(listAll("日本語", 100)));
    ufs.rename("données", "dónde");
    assertEquals("données/été.txt", text("dónde/été.txt"));
  }

  // ---- helpers ----

  protected void put(String path, byte[] data) {
    ufs.put(path, new ByteArrayInputStream(data), data.length);
  }

  protected void put(String path, String text) {
    put(path, text.getBytes(StandardCharsets.UTF_8));
  }

  protected byte[] read(String path, long offset, long length) {
    try (InputStream in = ufs.open(path, offset, length)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected String text(String path) {
    return new String(read(path, 0, -1), StandardCharsets.UTF_8);
  }

  protected List<UfsStatus> listAll(String dir, int maxKeys) {
    List<UfsStatus> all = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      UfsListing page = ufs.list(dir, token, maxKeys);
      all.addAll(page.entries());
      token = page.nextToken();
      assertTrue(++pages < 10_000, "listing does not end");
    } while (token != null);
    assertEquals(all.size(), new HashSet<>(names(all)).size(), "duplicates in " + names(all));
    return all;
  }

  protected static List<String> names(List<UfsStatus> entries) {
    return entries.stream().map(UfsStatus::name).toList();
  }

  /** Bytes that differ at every offset of a 251-byte cycle, so a misplaced range shows. */
  protected static byte[] bytes(int n) {
    byte[] data = new byte[n];
    for (int i = 0; i < n; i++) {
      data[i] = (byte) (i % 251);
    }
    return data;
  }

  protected static void assertKind(Kind expected, Executable call) {
    UnderStorageException e = assertThrows(UnderStorageException.class, call);
    assertEquals(expected, e.kind(), e.getMessage());
  }

  /** Hands out {@code data} but fails once {@code failAt} bytes have been read. */
  static final class FailingInputStream extends InputStream {
    private final byte[] data;
    private final int failAt;
    private int position;

    FailingInputStream(byte[] data, int failAt) {
      this.data = data;
      this.failAt = failAt;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position >= failAt) {
        throw new IOException("client went away");
      }
      int n = Math.min(len, failAt - position);
      System.arraycopy(data, position, b, off, n);
      position += n;
      return n;
    }
  }
}
